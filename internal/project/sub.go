package project

import (
	"fmt"
	"sort"
	"strings"
)

// StreamLabel is the label of every table stream ARN sfapi makes up
// locally. On AWS it is the stream's creation time; a fixed value keeps ARNs
// stable across restarts, so checkpoints and references stay valid.
const StreamLabel = "1970-01-01T00:00:00.000"

// Partition is the ARN partition of region ("aws", "aws-cn", "aws-us-gov").
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// URLSuffix is the domain suffix of AWS endpoints in region.
func URLSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

func arn(service, region, account, resource string) string {
	return "arn:" + Partition(region) + ":" + service + ":" + region + ":" + account + ":" + resource
}

// TableARN is the ARN of a DynamoDB table.
func TableARN(region, account, table string) string {
	return arn("dynamodb", region, account, "table/"+table)
}

// StreamARN is the ARN sfapi gives the stream of a table (see StreamLabel).
func StreamARN(region, account, table string) string {
	return TableARN(region, account, table) + "/stream/" + StreamLabel
}

// StateMachineARN is the ARN of a state machine.
func StateMachineARN(region, account, name string) string {
	return arn("states", region, account, "stateMachine:"+name)
}

// ExecutionARN is the ARN of an execution of a state machine.
func ExecutionARN(region, account, machine, execution string) string {
	return arn("states", region, account, "execution:"+machine+":"+execution)
}

// EventBusARN is the ARN of an event bus.
func EventBusARN(region, account, name string) string {
	return arn("events", region, account, "event-bus/"+name)
}

// RuleARN is the ARN of a rule; rules on custom buses carry the bus name.
func RuleARN(region, account, bus, name string) string {
	if bus == "" || bus == DefaultEventBus {
		return arn("events", region, account, "rule/"+name)
	}
	return arn("events", region, account, "rule/"+bus+"/"+name)
}

// QueueARN is the ARN of a queue.
func QueueARN(region, account, name string) string {
	return "arn:aws:sqs:" + region + ":" + account + ":" + name
}

// QueueURL is a queue's URL as AWS writes it (the emulator finds a queue
// by the URL's last segment, whatever its host).
func QueueURL(region, account, name string) string {
	return "https://sqs." + region + ".amazonaws.com/" + account + "/" + name
}

// PipeARN is the ARN of a pipe.
func PipeARN(region, account, name string) string {
	return arn("pipes", region, account, "pipe/"+name)
}

// resolver evaluates references against a manifest the way CloudFormation
// would after deploying it, with local names and ARNs.
type resolver struct {
	m *Manifest
}

func (r *resolver) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::Region":
		return r.m.Region, true
	case "AWS::AccountId":
		return r.m.AccountID, true
	case "AWS::Partition":
		return Partition(r.m.Region), true
	case "AWS::StackName":
		return r.m.Name + "-" + r.m.API.Stage, true
	case "AWS::URLSuffix":
		return URLSuffix(r.m.Region), true
	case "AWS::NoValue", "AWS::NotificationARNs", "AWS::StackId":
		return "", false
	}
	return "", false
}

// ref is Ref: a pseudo parameter, a variable, or a resource's logical ID.
func (r *resolver) ref(name string) (string, error) {
	if v, ok := r.pseudo(name); ok {
		return v, nil
	}
	if v, ok := r.m.Variables[name]; ok {
		return v, nil
	}
	region, account := r.m.Region, r.m.AccountID
	if t, ok := r.m.Tables[name]; ok {
		return t.Name, nil
	}
	if sm, ok := r.m.StateMachines[name]; ok {
		return StateMachineARN(region, account, sm.Name), nil
	}
	if ru, ok := r.m.Rules[name]; ok {
		return ru.Name, nil
	}
	if _, ok := r.m.Pipes[name]; ok {
		return name, nil
	}
	if q, ok := r.m.Queues[name]; ok {
		// AWS::SQS::Queue's Ref is the queue URL.
		return QueueURL(region, account, q.Name), nil
	}
	return "", fmt.Errorf("unknown reference %q: not a variable, a logical ID or a supported AWS:: pseudo parameter", name)
}

// getAtt is Fn::GetAtt.
func (r *resolver) getAtt(id, attr string) (string, error) {
	region, account := r.m.Region, r.m.AccountID
	bad := func(kind string, known ...string) error {
		return fmt.Errorf("unknown attribute %q of %s %s (known: %s)", attr, kind, id, strings.Join(known, ", "))
	}
	if t, ok := r.m.Tables[id]; ok {
		switch attr {
		case "Arn":
			return TableARN(region, account, t.Name), nil
		case "StreamArn":
			if t.StreamViewType == "" {
				return "", fmt.Errorf("table %s has no stream, so it has no StreamArn", id)
			}
			return StreamARN(region, account, t.Name), nil
		}
		return "", bad("table", "Arn", "StreamArn")
	}
	if sm, ok := r.m.StateMachines[id]; ok {
		switch attr {
		case "Arn":
			return StateMachineARN(region, account, sm.Name), nil
		case "Name":
			return sm.Name, nil
		}
		return "", bad("state machine", "Arn", "Name")
	}
	if ru, ok := r.m.Rules[id]; ok {
		if attr == "Arn" {
			return RuleARN(region, account, ru.EventBus, ru.Name), nil
		}
		return "", bad("rule", "Arn")
	}
	if _, ok := r.m.Pipes[id]; ok {
		if attr == "Arn" {
			return PipeARN(region, account, id), nil
		}
		return "", bad("pipe", "Arn")
	}
	if q, ok := r.m.Queues[id]; ok {
		switch attr {
		case "Arn":
			return QueueARN(region, account, q.Name), nil
		case "QueueName":
			return q.Name, nil
		case "QueueUrl":
			return QueueURL(region, account, q.Name), nil
		}
		return "", bad("queue", "Arn", "QueueName", "QueueUrl")
	}
	return "", fmt.Errorf("unknown logical ID %q in %s.%s", id, id, attr)
}

// lookup evaluates the inside of ${...} in an Fn::Sub template: a Ref, or
// LogicalId.Attr for Fn::GetAtt.
func (r *resolver) lookup(name string) (string, error) {
	v, err := r.ref(name)
	if err == nil {
		return v, nil
	}
	if id, attr, ok := strings.Cut(name, "."); ok {
		return r.getAtt(id, attr)
	}
	return "", err
}

// substitute expands the ${...} references of an Fn::Sub template with
// lookup. ${!Literal} is written as ${Literal}. A '$' not followed by '{'
// is literal, which is what keeps VTL's $input and $context intact; so is
// a "${" with no closing brace.
func substitute(tmpl string, lookup func(string) (string, error)) (string, error) {
	if !strings.Contains(tmpl, "${") {
		return tmpl, nil
	}
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		rest = rest[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			b.WriteString("${")
			b.WriteString(rest)
			return b.String(), nil
		}
		name := rest[:end]
		rest = rest[end+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		v, err := lookup(name)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
}

func sortStrings(s []string) { sort.Strings(s) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
