package cfn

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/sfapi/sfapi/internal/project"
)

// taskResourceRE splits an optimized or AWS SDK service integration ARN:
// arn:PARTITION:states:::SERVICE:ACTION[.sync|.waitForTaskToken…].
var taskResourceRE = regexp.MustCompile(`^arn:[^:]+:states:::(aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)(\..*)?$`)

// machinePerms reads what a state machine's Task states call and returns
// the permissions that needs: each action on the resources the definition
// names, and nothing else. The definition is the locally resolved one, so
// physical names are matched back to the project's logical IDs.
func machinePerms(p *project.Project, sm project.StateMachine) (*perms, error) {
	var def map[string]any
	if err := json.Unmarshal([]byte(sm.Definition), &def); err != nil {
		return nil, fmt.Errorf("state machine %s: parse definition: %w", sm.LogicalID, err)
	}
	s := &aslScan{p: p, sm: sm, perms: newPerms(), tables: map[string]bool{}}
	// Tables the machine mentions anywhere (substitutions, ItemSelector…):
	// the bound for tasks whose table name is only known at run time.
	byName := map[string]string{}
	for _, t := range p.Tables() {
		byName[t.Name] = t.LogicalID
	}
	walkStrings(def, func(v string) {
		if id, ok := byName[v]; ok {
			s.tables[id] = true
		}
	})
	s.byName = byName
	if err := s.states(def, 0); err != nil {
		return nil, fmt.Errorf("state machine %s: %w", sm.LogicalID, err)
	}
	return s.perms, nil
}

type aslScan struct {
	p      *project.Project
	sm     project.StateMachine
	perms  *perms
	tables map[string]bool   // logical IDs
	byName map[string]string // physical table name → logical ID
}

func (s *aslScan) states(machine map[string]any, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("states nested more than %d levels", maxDepth)
	}
	states, _ := machine["States"].(map[string]any)
	for _, name := range sortedKeys(states) {
		st, _ := states[name].(map[string]any)
		switch st["Type"] {
		case "Task":
			if err := s.task(name, st); err != nil {
				return err
			}
		case "Parallel":
			branches, _ := st["Branches"].([]any)
			for _, b := range branches {
				if bm, ok := b.(map[string]any); ok {
					if err := s.states(bm, depth+1); err != nil {
						return err
					}
				}
			}
		case "Map":
			for _, k := range []string{"ItemProcessor", "Iterator"} {
				if sub, ok := st[k].(map[string]any); ok {
					if err := s.states(sub, depth+1); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func (s *aslScan) task(name string, st map[string]any) error {
	res, _ := st["Resource"].(string)
	m := taskResourceRE.FindStringSubmatch(res)
	if m == nil {
		return fmt.Errorf("state %s: resource %q is not a Step Functions service integration sfapi can grant (no Lambda, no activities)", name, res)
	}
	sdk, service, action, suffix := m[1] != "", m[2], m[3], m[4]
	params, _ := st["Parameters"].(map[string]any)
	iamAction := service + ":" + strings.ToUpper(action[:1]) + action[1:]
	switch service {
	case "dynamodb":
		tables, err := s.tablesFor(name, params)
		if err != nil {
			return err
		}
		for _, id := range tables {
			s.perms.allow(iamAction, tableArn(id))
			switch ix := params["IndexName"].(type) {
			case string:
				s.perms.allow(iamAction, Sub("${"+id+".Arn}/index/"+ix))
			case nil:
				if params["IndexName.$"] != nil {
					s.perms.allow(iamAction, tableIndexes(id))
				}
			}
		}
	case "events":
		if action != "putEvents" || sdk || suffix == ".sync" {
			return fmt.Errorf("state %s: unsupported EventBridge integration %q", name, res)
		}
		entries, _ := params["Entries"].([]any)
		if len(entries) == 0 {
			// Entries.$ (built at run time): the buses cannot be known.
			s.perms.allow(iamAction, eventBusArn("*"))
		}
		for _, e := range entries {
			em, _ := e.(map[string]any)
			bus, ok := em["EventBusName"].(string)
			switch {
			case ok:
				s.perms.allow(iamAction, eventBusArn(bus))
			case em["EventBusName.$"] != nil:
				s.perms.allow(iamAction, eventBusArn("*"))
			default:
				s.perms.allow(iamAction, eventBusArn(project.DefaultEventBus))
			}
		}
	case "states":
		if action != "startExecution" || sdk || suffix != "" {
			return fmt.Errorf("state %s: unsupported Step Functions integration %q (only startExecution, fire and forget)", name, res)
		}
		arn, _ := params["StateMachineArn"].(string)
		target := ""
		for _, other := range s.p.StateMachines() {
			if s.p.StateMachineARN(other.Name) == arn {
				target = other.LogicalID
			}
		}
		if target == "" {
			return fmt.Errorf("state %s: StateMachineArn must name a state machine of the project", name)
		}
		s.perms.allow(iamAction, Ref(target))
	case "sqs":
		if action != "sendMessage" && action != "sendMessageBatch" || suffix == ".sync" {
			return fmt.Errorf("state %s: unsupported SQS integration %q (sendMessage and sendMessageBatch)", name, res)
		}
		queues, err := s.queuesFor(name, params)
		if err != nil {
			return err
		}
		for _, id := range queues {
			s.perms.allow("sqs:SendMessage", GetAtt(id, "Arn"))
		}
	default:
		return fmt.Errorf("state %s: sfapi deploy cannot derive permissions for %q", name, res)
	}
	return nil
}

// queuesFor returns the queues an SQS task sends to: the one its QueueUrl
// names (the URL's last segment is the queue name), or every queue of the
// project when the URL is chosen at run time.
func (s *aslScan) queuesFor(state string, params map[string]any) ([]string, error) {
	if u, ok := params["QueueUrl"].(string); ok {
		name := u[strings.LastIndexByte(u, '/')+1:]
		for _, q := range s.p.Queues() {
			if q.Name == name {
				return []string{q.LogicalID}, nil
			}
		}
		return nil, fmt.Errorf("state %s: QueueUrl %q is not a queue of the project", state, u)
	}
	var all []string
	for _, q := range s.p.Queues() {
		all = append(all, q.LogicalID)
	}
	if params["QueueUrl.$"] == nil || len(all) == 0 {
		return nil, fmt.Errorf("state %s: the task names no queue of the project", state)
	}
	return all, nil
}

// tablesFor returns the tables a DynamoDB task touches: the one its
// TableName names, or — when the name comes from the input — every table
// the machine mentions.
func (s *aslScan) tablesFor(state string, params map[string]any) ([]string, error) {
	if tn, ok := params["TableName"].(string); ok {
		id, known := s.byName[tn]
		if !known {
			return nil, fmt.Errorf("state %s: table %q is not a table of the project", state, tn)
		}
		return []string{id}, nil
	}
	if len(s.tables) == 0 {
		return nil, fmt.Errorf("state %s: the table is chosen at run time and the machine mentions no table of the project", state)
	}
	return sortedKeys(s.tables), nil
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case map[string]any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	}
}
