package cfn

import (
	"encoding/json"
	"sort"
	"strings"
)

// perms accumulates the actions a role needs and the resources each action
// applies to; policy turns them into statements, one per distinct
// resource list, so the template stays short and stable.
type perms struct {
	res map[string]map[string]any // action → resource JSON → resource
}

func newPerms() *perms { return &perms{res: map[string]map[string]any{}} }

func (p *perms) allow(action string, resources ...any) {
	m := p.res[action]
	if m == nil {
		m = map[string]any{}
		p.res[action] = m
	}
	for _, r := range resources {
		k, _ := json.Marshal(r)
		m[string(k)] = r
	}
}

func (p *perms) empty() bool { return len(p.res) == 0 }

// statements groups actions by identical resource lists.
func (p *perms) statements() []any {
	type group struct {
		actions []string
		res     []any
	}
	groups := map[string]*group{}
	var order []string
	for _, action := range sortedKeys(p.res) {
		keys := sortedKeys(p.res[action])
		sig := strings.Join(keys, "\x00")
		g := groups[sig]
		if g == nil {
			g = &group{}
			for _, k := range keys {
				g.res = append(g.res, p.res[action][k])
			}
			groups[sig] = g
			order = append(order, sig)
		}
		g.actions = append(g.actions, action)
	}
	sort.SliceStable(order, func(i, j int) bool { return groups[order[i]].actions[0] < groups[order[j]].actions[0] })
	out := make([]any, 0, len(order))
	for _, sig := range order {
		g := groups[sig]
		out = append(out, map[string]any{
			"Effect":   "Allow",
			"Action":   g.actions,
			"Resource": g.res,
		})
	}
	return out
}

// role is an IAM role assumable by one service principal with one inline
// policy holding p.
func role(service, policyName string, name any, p *perms) Resource {
	props := map[string]any{
		"AssumeRolePolicyDocument": map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": service},
				"Action":    "sts:AssumeRole",
			}},
		},
		"Policies": []any{map[string]any{
			"PolicyName": policyName,
			"PolicyDocument": map[string]any{
				"Version":   "2012-10-17",
				"Statement": p.statements(),
			},
		}},
	}
	if name != nil {
		props["RoleName"] = name
	}
	return Resource{Type: "AWS::IAM::Role", Properties: props}
}

// Service principals of the roles sfapi creates.
const (
	principalAPIGateway = "apigateway.amazonaws.com"
	principalStates     = "states.amazonaws.com"
	principalPipes      = "pipes.amazonaws.com"
	principalEvents     = "events.amazonaws.com"
)

// sfnLogActions are what Step Functions needs to deliver execution logs to
// CloudWatch Logs. They do not support resource-level permissions, hence
// "*" (AWS documents exactly this policy for logging).
var sfnLogActions = []string{
	"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
	"logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
	"logs:PutResourcePolicy", "logs:UpdateLogDelivery",
}

func tableArn(id string) any     { return GetAtt(id, "Arn") }
func tableIndexes(id string) any { return Sub("${" + id + ".Arn}/index/*") }

func eventBusArn(name string) any {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return Sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/" + name)
}
