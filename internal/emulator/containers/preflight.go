package containers

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Machine is one state machine the preflight reads.
type Machine struct {
	Name       string
	Definition string // ASL JSON, substitutions applied
}

// Finding is one thing of a state machine that Step Functions Local cannot
// run.
type Finding struct {
	StateMachine string
	// State is the state's name ("" for the definition's top level); a
	// state inside a Map or Parallel is "Outer/Inner".
	State   string
	Feature string // short name: JSONata, Variables, AWS SDK integration, ...
	Detail  string
}

func (f Finding) String() string {
	where := f.StateMachine
	if f.State != "" {
		where += ": state " + quote(f.State)
	}
	return where + ": " + f.Feature + ": " + f.Detail
}

func quote(s string) string { return `"` + s + `"` }

// Service integrations Step Functions Local runs (its optimized
// integrations, called at the endpoints its environment names);
// .waitForTaskToken works with those that can carry a token.
var (
	localOptimized = map[string]bool{"lambda": true, "dynamodb": true, "sqs": true, "sns": true, "events": true,
		"states": true, "ecs": true, "batch": true, "glue": true, "sagemaker": true, "emr": true, "codebuild": true, "eks": true}
	localTokenServices = map[string]bool{"lambda": true, "sqs": true, "sns": true, "ecs": true, "states": true, "events": true, "glue": true}
	// Services sfapi's embedded backend answers locally that Step
	// Functions Local sends to AWS (no endpoint is configured for them).
	awsOnly = map[string]string{
		"sns":        "Step Functions Local sends it to SNS_ENDPOINT or AWS; the embedded backend records it as an event on the default bus",
		"apigateway": "Step Functions Local calls API Gateway in AWS; the embedded backend posts to its own WebSocket @connections API",
	}
)

// Preflight lists, state by state, what Step Functions Local cannot run
// in machines: JSONata (QueryLanguage, Arguments/Output), workflow
// variables (Assign, "$name" references), AWS SDK integrations
// (arn:aws:states:::aws-sdk:*), HTTP Tasks, .waitForTaskToken on services
// it cannot pass a token through, Distributed Map (ItemReader,
// ItemBatcher, ResultWriter, ProcessorConfig.Mode DISTRIBUTED), and
// integrations it sends to AWS where sfapi answers locally. An empty
// result means every state can run there. A definition that is not JSON
// is an error.
func Preflight(machines []Machine) ([]Finding, error) {
	var out []Finding
	for _, m := range machines {
		var def map[string]any
		if err := json.Unmarshal([]byte(m.Definition), &def); err != nil {
			return nil, fmt.Errorf("state machine %s: definition: %w", m.Name, err)
		}
		p := preflight{machine: m.Name}
		if ql, _ := def["QueryLanguage"].(string); ql == "JSONata" {
			p.add("", "JSONata", `the definition sets "QueryLanguage": "JSONata"; Step Functions Local runs JSONPath only`)
		}
		p.states(def, "")
		out = append(out, p.found...)
	}
	return out, nil
}

type preflight struct {
	machine string
	found   []Finding
}

func (p *preflight) add(state, feature, detail string) {
	p.found = append(p.found, Finding{StateMachine: p.machine, State: state, Feature: feature, Detail: detail})
}

// states walks a States object (the top level, a Parallel branch, a Map
// processor) in name order, so the findings are stable.
func (p *preflight) states(container map[string]any, prefix string) {
	states, _ := container["States"].(map[string]any)
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		st, ok := states[name].(map[string]any)
		if !ok {
			continue
		}
		p.state(prefix+name, st)
	}
}

func (p *preflight) state(name string, st map[string]any) {
	if ql, _ := st["QueryLanguage"].(string); ql == "JSONata" {
		p.add(name, "JSONata", `the state sets "QueryLanguage": "JSONata"`)
	}
	for _, f := range []string{"Arguments", "Output"} {
		if _, ok := st[f]; ok {
			p.add(name, "JSONata", fmt.Sprintf("the %s field belongs to JSONata states", f))
		}
	}
	if _, ok := st["Assign"]; ok {
		p.add(name, "Variables", "Assign sets workflow variables, which Step Functions Local lacks")
	}
	if refs := variableRefs(st); len(refs) > 0 {
		p.add(name, "Variables", "reads workflow variables "+strings.Join(refs, ", "))
	}
	typ, _ := st["Type"].(string)
	if res, ok := st["Resource"].(string); ok && typ == "Task" {
		p.resource(name, res)
	}
	switch typ {
	case "Parallel":
		branches, _ := st["Branches"].([]any)
		for i, b := range branches {
			if bm, ok := b.(map[string]any); ok {
				p.states(bm, fmt.Sprintf("%s/branch %d/", name, i+1))
			}
		}
	case "Map":
		for _, f := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
			if _, ok := st[f]; ok {
				p.add(name, "Distributed Map", f+" belongs to Distributed Map, which Step Functions Local lacks")
			}
		}
		proc, _ := st["ItemProcessor"].(map[string]any)
		if proc == nil {
			proc, _ = st["Iterator"].(map[string]any)
		}
		if proc != nil {
			if cfg, ok := proc["ProcessorConfig"].(map[string]any); ok {
				if mode, _ := cfg["Mode"].(string); mode == "DISTRIBUTED" {
					p.add(name, "Distributed Map", `ProcessorConfig.Mode is DISTRIBUTED`)
				}
			}
			p.states(proc, name+"/")
		}
	}
}

// resource checks a Task's resource ARN.
func (p *preflight) resource(name, res string) {
	rest, ok := strings.CutPrefix(res, "arn:aws:states:::")
	if !ok {
		return // Lambda and activity ARNs: the embedded backend warns the same.
	}
	if sdk, ok := strings.CutPrefix(rest, "aws-sdk:"); ok {
		detail := res + ": Step Functions Local runs optimized integrations only"
		if svc, _, _ := strings.Cut(sdk, ":"); localOptimized[svc] {
			detail += fmt.Sprintf(" (an optimized arn:aws:states:::%s:* call may replace it)", svc)
		}
		p.add(name, "AWS SDK integration", detail)
		return
	}
	svc, action, _ := strings.Cut(rest, ":")
	if svc == "http" {
		p.add(name, "HTTP Task", res+": Step Functions Local has no HTTP Task")
		return
	}
	pattern := ""
	if i := strings.IndexByte(action, '.'); i >= 0 {
		pattern = action[i+1:]
	}
	if !localOptimized[svc] {
		p.add(name, "integration", fmt.Sprintf("%s: Step Functions Local has no %s integration", res, svc))
		return
	}
	if pattern == "waitForTaskToken" && !localTokenServices[svc] {
		p.add(name, ".waitForTaskToken", fmt.Sprintf("%s: Step Functions Local cannot pass a task token through %s", res, svc))
	}
	if why, ok := awsOnly[svc]; ok {
		p.add(name, "AWS-only call", res+": "+why)
	}
}

// variableRefs returns the workflow variables ("$name") a JSONPath state
// reads in its ".$" fields, sorted; "$", "$.x", "$$" and "$[...]" are not
// variables.
func variableRefs(st map[string]any) []string {
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && strings.HasSuffix(k, ".$") {
					if n := variableName(s); n != "" {
						seen[n] = true
					}
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	for _, f := range []string{"Parameters", "ResultSelector", "ItemSelector"} {
		walk(st[f])
	}
	for _, f := range []string{"InputPath", "OutputPath", "ResultPath", "ItemsPath"} {
		if s, ok := st[f].(string); ok {
			if n := variableName(s); n != "" {
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// variableName returns "$name" when path starts with a variable reference.
func variableName(path string) string {
	rest, ok := strings.CutPrefix(path, "$")
	if !ok || rest == "" {
		return ""
	}
	end := 0
	for end < len(rest) {
		c := rest[end]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || end > 0 && c >= '0' && c <= '9' {
			end++
			continue
		}
		break
	}
	if end == 0 {
		return ""
	}
	return "$" + rest[:end]
}

// FormatFindings renders findings for the refusal message, one per line.
func FormatFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  ")
		b.WriteString(f.String())
		b.WriteString("\n")
	}
	return b.String()
}
