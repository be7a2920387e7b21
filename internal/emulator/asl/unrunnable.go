package asl

import (
	"sort"
	"strings"
)

// Finding is a Task state whose resource the emulator cannot run, or a
// distributed Map state whose ItemReader / ResultWriter it cannot run.
type Finding struct {
	State    string
	Resource string
	Reason   string
}

// runnable lists the service integrations the emulator binds (see the
// emulator's task invoker), by "service:action" with "*" for any action,
// and the integration patterns each allows.
var runnable = map[string][]string{
	"dynamodb:getItem":        {""},
	"dynamodb:putItem":        {""},
	"dynamodb:updateItem":     {""},
	"dynamodb:deleteItem":     {""},
	"aws-sdk:dynamodb:*":      {"", waitForTaskToken},
	"events:putEvents":        {"", waitForTaskToken},
	"states:startExecution":   {"", ".sync", ".sync:2", waitForTaskToken},
	"aws-sdk:sfn:*":           {"", waitForTaskToken},
	"sns:publish":             {"", waitForTaskToken},
	"aws-sdk:sns:publish":     {"", waitForTaskToken},
	"sqs:sendMessage":         {"", waitForTaskToken},
	"aws-sdk:sqs:sendMessage": {"", waitForTaskToken},
	"apigateway:invoke":       {"", waitForTaskToken},
}

// RunnableResource reports whether the emulator can run a Task resource,
// and if not, why.
func RunnableResource(resource string) (bool, string) {
	rest, ok := strings.CutPrefix(resource, "arn:aws:states:::")
	if !ok {
		if strings.HasPrefix(resource, "arn:aws:lambda:") {
			return false, "Lambda functions do not run locally"
		}
		if strings.Contains(resource, ":activity:") {
			return false, "activities are not emulated"
		}
		return false, "only service integrations (arn:aws:states:::...) run locally"
	}
	pattern := ""
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		rest, pattern = rest[:i], rest[i:]
	}
	svc := rest
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		svc = rest[:i]
	}
	for _, key := range []string{rest, svc + ":*"} {
		if patterns, ok := runnable[key]; ok {
			for _, p := range patterns {
				if p == pattern {
					return true, ""
				}
			}
			return false, "the " + pattern + " integration pattern of " + rest + " is not emulated"
		}
	}
	return false, "the " + rest + " integration is not emulated"
}

// UnrunnableTasks lists the Task states of a definition (nested branches
// and Map processors included) whose resource the emulator cannot run,
// sorted by state name. A definition that does not parse has none: its
// errors are reported by validation.
func UnrunnableTasks(definition string) []Finding {
	m, err := parseDefinition(definition)
	if err != nil {
		return nil
	}
	var out []Finding
	var walk func(m *machine)
	walk = func(m *machine) {
		for _, name := range m.order {
			switch s := m.States[name].(type) {
			case *taskState:
				if ok, why := RunnableResource(s.resource); !ok {
					out = append(out, Finding{State: name, Resource: s.resource, Reason: why})
				}
			case *parallelState:
				for _, b := range s.branches {
					walk(b)
				}
			case *mapState:
				if d := s.dist; d != nil && d.itemReader != "" {
					out = append(out, Finding{State: name, Resource: d.itemReader, Reason: "a distributed Map's ItemReader reads Amazon S3, which is not emulated; give the items inline"})
				}
				if d := s.dist; d != nil && d.resultWriter != "" {
					out = append(out, Finding{State: name, Resource: d.resultWriter, Reason: "a distributed Map's ResultWriter writes Amazon S3, which is not emulated"})
				}
				walk(s.processor)
			}
		}
	}
	walk(m)
	sort.SliceStable(out, func(i, j int) bool { return out[i].State < out[j].State })
	return out
}
