package cfntest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// Namespace is the XML namespace of CloudFormation responses.
const Namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// APIVersion is the only query protocol version CloudFormation speaks.
const APIVersion = "2010-05-15"

// Account and Region appear in the ARNs the stand-in makes up.
const (
	Account = "123456789012"
	Region  = "us-east-1"
)

// Server is the stand-in. The zero value is not usable; call New.
type Server struct {
	mu     sync.Mutex
	now    func() time.Time
	seq    int
	stacks []*stack // every stack ever created, deleted ones included
	fail   *failure
	// Outputs are the values stacks report for their template's Outputs,
	// by output key; a key without a value reports "<key>-value".
	Outputs map[string]string
	// EventsPerPoll is how many queued events each DescribeStacks or
	// DescribeStackEvents call reveals (New sets 4).
	EventsPerPoll int
	// Requests counts calls by Action, for assertions.
	Requests map[string]int
}

type failure struct{ resource, reason string }

type stack struct {
	id, name  string
	status    string
	reason    string
	template  map[string]any // deployed template; nil before the first execution
	created   time.Time
	updated   time.Time
	events    []event // visible, oldest first
	pending   []event // queued by an execution, revealed one per poll
	final     func()  // runs when the last pending event is revealed
	changeSet map[string]*changeSet
}

type changeSet struct {
	id, name, typ string
	template      map[string]any
	raw           string
	status        string
	reason        string
	execStatus    string
	changes       []change
	polls         int
}

type change struct {
	action, id, typ, replacement string
}

type event struct {
	id, logical, physical, typ, status, reason string
	at                                         time.Time
}

// New returns an empty stand-in with a fixed clock that advances one
// second per event, so event timestamps are deterministic.
func New() *Server {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Server{Requests: map[string]int{}, Outputs: map[string]string{}, EventsPerPoll: 4}
	s.now = func() time.Time { return base.Add(time.Duration(s.seq) * time.Second) }
	return s
}

// FailNext makes the next change set execution fail when it reaches
// resource (a logical ID of the template), with reason, and roll back.
func (s *Server) FailNext(resource, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = &failure{resource, reason}
}

// StackStatus returns a stack's status by name ("" when no live stack has
// that name).
func (s *Server) StackStatus(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.live(name); st != nil {
		return st.status
	}
	return ""
}

// apiError is a CloudFormation error response.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func validation(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationError", fmt.Sprintf(format, args...)}
}

// ServeHTTP implements the query protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, &apiError{http.StatusMethodNotAllowed, "InvalidAction", "use POST"}, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
	if err := r.ParseForm(); err != nil {
		writeError(w, validation("bad form body: %v", err), "")
		return
	}
	action := r.PostForm.Get("Action")
	if v := r.PostForm.Get("Version"); v != APIVersion {
		writeError(w, &apiError{http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("unsupported Version %q", v)}, "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Requests[action]++
	s.seq++
	reqID := fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	var result any
	var err error
	switch action {
	case "CreateChangeSet":
		result, err = s.createChangeSet(r.PostForm)
	case "DescribeChangeSet":
		result, err = s.describeChangeSet(r.PostForm)
	case "ExecuteChangeSet":
		result, err = s.executeChangeSet(r.PostForm)
	case "DeleteChangeSet":
		result, err = s.deleteChangeSet(r.PostForm)
	case "DescribeStacks":
		result, err = s.describeStacks(r.PostForm)
	case "DescribeStackEvents":
		result, err = s.describeStackEvents(r.PostForm)
	case "DeleteStack":
		result, err = s.deleteStack(r.PostForm)
	default:
		err = &apiError{http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", action)}
	}
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			ae = &apiError{http.StatusInternalServerError, "InternalFailure", err.Error()}
		}
		writeError(w, ae, reqID)
		return
	}
	writeResult(w, action, result, reqID)
}

func writeResult(w http.ResponseWriter, action string, result any, reqID string) {
	var inner []byte
	if result != nil {
		b, err := xml.Marshal(result)
		if err != nil {
			writeError(w, &apiError{http.StatusInternalServerError, "InternalFailure", err.Error()}, reqID)
			return
		}
		inner = b
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", reqID)
	fmt.Fprintf(w, `<%sResponse xmlns="%s">`, action, Namespace)
	if result != nil {
		w.Write(inner)
	}
	fmt.Fprintf(w, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, reqID, action)
}

func writeError(w http.ResponseWriter, e *apiError, reqID string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	var msg strings.Builder
	_ = xml.EscapeText(&msg, []byte(e.message))
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		Namespace, e.code, msg.String(), reqID)
}

// live finds the stack a name or stack ID refers to: by ID any stack,
// deleted ones included (as AWS allows); by name only a live one.
func (s *Server) live(nameOrID string) *stack {
	for i := len(s.stacks) - 1; i >= 0; i-- {
		st := s.stacks[i]
		if st.id == nameOrID {
			return st
		}
		if st.name == nameOrID && st.status != "DELETE_COMPLETE" {
			return st
		}
	}
	return nil
}

func (s *Server) uuid() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq) }

func (s *Server) createChangeSet(f formValues) (any, error) {
	name, csName := f.Get("StackName"), f.Get("ChangeSetName")
	if name == "" || csName == "" {
		return nil, validation("StackName and ChangeSetName are required")
	}
	body := f.Get("TemplateBody")
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(body), &tmpl); err != nil {
		return nil, validation("Template format error: JSON not well-formed. (%v)", err)
	}
	if _, ok := tmpl["Resources"].(map[string]any); !ok {
		return nil, validation("Template format error: At least one Resources member must be defined.")
	}
	typ := f.Get("ChangeSetType")
	if typ == "" {
		typ = "UPDATE"
	}
	st := s.live(name)
	switch typ {
	case "CREATE":
		if st != nil && st.status != "REVIEW_IN_PROGRESS" {
			return nil, validation("Stack [%s] already exists and cannot be created again with the changeSet [%s].", name, csName)
		}
		if st == nil {
			st = &stack{
				id:   fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", Region, Account, name, s.uuid()),
				name: name, status: "REVIEW_IN_PROGRESS", created: s.now(),
				changeSet: map[string]*changeSet{},
			}
			s.stacks = append(s.stacks, st)
		}
	case "UPDATE":
		if st == nil {
			return nil, validation("Stack [%s] does not exist", name)
		}
		if strings.HasSuffix(st.status, "_IN_PROGRESS") || st.status == "ROLLBACK_COMPLETE" {
			return nil, validation("Stack:%s is in %s state and can not be updated.", st.id, st.status)
		}
	default:
		return nil, validation("ChangeSetType %q is not CREATE or UPDATE", typ)
	}
	if _, dup := st.changeSet[csName]; dup {
		return nil, &apiError{http.StatusBadRequest, "AlreadyExistsException", fmt.Sprintf("ChangeSet %s already exists", csName)}
	}
	cs := &changeSet{
		id:   fmt.Sprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%s", Region, Account, csName, s.uuid()),
		name: csName, typ: typ, template: tmpl, raw: body,
		changes: diff(st.template, tmpl),
	}
	if len(cs.changes) == 0 && typ == "UPDATE" {
		cs.status, cs.execStatus = "FAILED", "UNAVAILABLE"
		cs.reason = "The submitted information didn't contain changes. Submit different information to create a change set."
	} else {
		cs.status, cs.execStatus = "CREATE_COMPLETE", "AVAILABLE"
	}
	st.changeSet[csName] = cs
	return struct {
		XMLName xml.Name `xml:"CreateChangeSetResult"`
		ID      string   `xml:"Id"`
		StackID string   `xml:"StackId"`
	}{ID: cs.id, StackID: st.id}, nil
}

// replacing lists properties whose change replaces the resource, for the
// types sfapi uses (from the CloudFormation docs' "Update requires").
var replacing = map[string][]string{
	"AWS::DynamoDB::Table":             {"TableName", "KeySchema", "LocalSecondaryIndexes"},
	"AWS::StepFunctions::StateMachine": {"StateMachineName", "StateMachineType"},
	"AWS::IAM::Role":                   {"RoleName", "Path"},
	"AWS::Logs::LogGroup":              {"LogGroupName"},
	"AWS::Pipes::Pipe":                 {"Name", "Source"},
	"AWS::Events::Rule":                {"Name", "EventBusName"},
	"AWS::SQS::Queue":                  {"QueueName", "FifoQueue"},
	"AWS::ApiGateway::Stage":           {"StageName", "RestApiId"},
	"AWS::ApiGatewayV2::Stage":         {"StageName", "ApiId"},
}

// diff lists the changes from old to new resources, sorted by logical ID.
func diff(oldT, newT map[string]any) []change {
	oldR, _ := oldT["Resources"].(map[string]any)
	newR, _ := newT["Resources"].(map[string]any)
	var out []change
	for id, nv := range newR {
		nm, _ := nv.(map[string]any)
		typ, _ := nm["Type"].(string)
		ov, existed := oldR[id]
		if !existed {
			out = append(out, change{action: "Add", id: id, typ: typ})
			continue
		}
		if reflect.DeepEqual(ov, nv) {
			continue
		}
		om, _ := ov.(map[string]any)
		repl := "False"
		if om["Type"] != nm["Type"] {
			repl = "True"
		} else {
			op, _ := om["Properties"].(map[string]any)
			np, _ := nm["Properties"].(map[string]any)
			for _, p := range replacing[typ] {
				if !reflect.DeepEqual(op[p], np[p]) {
					repl = "True"
				}
			}
		}
		out = append(out, change{action: "Modify", id: id, typ: typ, replacement: repl})
	}
	for id, ov := range oldR {
		if _, ok := newR[id]; !ok {
			om, _ := ov.(map[string]any)
			typ, _ := om["Type"].(string)
			out = append(out, change{action: "Remove", id: id, typ: typ})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Server) findChangeSet(f formValues) (*stack, *changeSet, error) {
	csName, stackName := f.Get("ChangeSetName"), f.Get("StackName")
	for _, st := range s.stacks {
		if stackName != "" && st.name != stackName && st.id != stackName {
			continue
		}
		for _, cs := range st.changeSet {
			if cs.name == csName || cs.id == csName {
				return st, cs, nil
			}
		}
	}
	return nil, nil, &apiError{http.StatusNotFound, "ChangeSetNotFound", fmt.Sprintf("ChangeSet [%s] does not exist", csName)}
}

type xmlChange struct {
	Type           string `xml:"Type"`
	ResourceChange struct {
		Action             string `xml:"Action"`
		LogicalResourceID  string `xml:"LogicalResourceId"`
		PhysicalResourceID string `xml:"PhysicalResourceId,omitempty"`
		ResourceType       string `xml:"ResourceType"`
		Replacement        string `xml:"Replacement,omitempty"`
	} `xml:"ResourceChange"`
}

func (s *Server) describeChangeSet(f formValues) (any, error) {
	st, cs, err := s.findChangeSet(f)
	if err != nil {
		return nil, err
	}
	// The first look at a new change set finds it still being computed,
	// as on AWS, so callers must wait for it.
	cs.polls++
	status, exec := cs.status, cs.execStatus
	if cs.polls == 1 && status == "CREATE_COMPLETE" {
		status, exec = "CREATE_IN_PROGRESS", "UNAVAILABLE"
	}
	res := struct {
		XMLName         xml.Name    `xml:"DescribeChangeSetResult"`
		ChangeSetName   string      `xml:"ChangeSetName"`
		ChangeSetID     string      `xml:"ChangeSetId"`
		StackID         string      `xml:"StackId"`
		StackName       string      `xml:"StackName"`
		Status          string      `xml:"Status"`
		StatusReason    string      `xml:"StatusReason,omitempty"`
		ExecutionStatus string      `xml:"ExecutionStatus"`
		CreationTime    string      `xml:"CreationTime"`
		Changes         []xmlChange `xml:"Changes>member"`
	}{
		ChangeSetName: cs.name, ChangeSetID: cs.id, StackID: st.id, StackName: st.name,
		Status: status, StatusReason: cs.reason, ExecutionStatus: exec, CreationTime: stamp(st.created),
	}
	if status == "CREATE_COMPLETE" {
		for _, c := range cs.changes {
			var x xmlChange
			x.Type = "Resource"
			x.ResourceChange.Action = c.action
			x.ResourceChange.LogicalResourceID = c.id
			x.ResourceChange.ResourceType = c.typ
			x.ResourceChange.Replacement = c.replacement
			if c.action != "Add" {
				x.ResourceChange.PhysicalResourceID = physical(st, c.id)
			}
			res.Changes = append(res.Changes, x)
		}
	}
	return res, nil
}

func physical(st *stack, id string) string { return st.name + "-" + id + "-STANDIN" }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) deleteChangeSet(f formValues) (any, error) {
	st, cs, err := s.findChangeSet(f)
	if err != nil {
		return nil, err
	}
	if cs.execStatus == "EXECUTE_IN_PROGRESS" {
		return nil, &apiError{http.StatusBadRequest, "InvalidChangeSetStatus", "ChangeSet is being executed"}
	}
	delete(st.changeSet, cs.name)
	return struct {
		XMLName xml.Name `xml:"DeleteChangeSetResult"`
	}{}, nil
}

func (s *Server) addEvent(st *stack, logical, typ, status, reason string) {
	s.seq++
	phys := physical(st, logical)
	if logical == st.name {
		phys = st.id
	}
	st.pending = append(st.pending, event{
		id: fmt.Sprintf("%s-%s-%d", logical, status, s.seq), logical: logical, physical: phys,
		typ: typ, status: status, reason: reason, at: s.now(),
	})
}

func (s *Server) executeChangeSet(f formValues) (any, error) {
	st, cs, err := s.findChangeSet(f)
	if err != nil {
		return nil, err
	}
	if cs.execStatus != "AVAILABLE" || cs.polls == 0 && cs.status != "CREATE_COMPLETE" {
		return nil, &apiError{http.StatusBadRequest, "InvalidChangeSetStatus", fmt.Sprintf("ChangeSet [%s] cannot be executed in its current status of [%s]", cs.id, cs.status)}
	}
	creating := cs.typ == "CREATE"
	verb := "UPDATE"
	if creating {
		verb = "CREATE"
	}
	const stackType = "AWS::CloudFormation::Stack"
	st.status, st.reason = verb+"_IN_PROGRESS", "User Initiated"
	s.addEvent(st, st.name, stackType, st.status, "User Initiated")
	fail := s.fail
	s.fail = nil
	var done []change
	failed := ""
	for _, c := range cs.changes {
		rs := map[string]string{"Add": "CREATE", "Modify": "UPDATE", "Remove": "DELETE"}[c.action]
		if c.action == "Remove" {
			continue // removed after the update completes, in cleanup
		}
		s.addEvent(st, c.id, c.typ, rs+"_IN_PROGRESS", "")
		if fail != nil && fail.resource == c.id {
			s.addEvent(st, c.id, c.typ, rs+"_FAILED", fail.reason)
			failed = c.id
			break
		}
		s.addEvent(st, c.id, c.typ, rs+"_COMPLETE", "")
		done = append(done, c)
	}
	tmpl := cs.template
	if failed != "" {
		rb := "ROLLBACK"
		if !creating {
			rb = "UPDATE_ROLLBACK"
		}
		s.addEvent(st, st.name, stackType, rb+"_IN_PROGRESS",
			fmt.Sprintf("The following resource(s) failed to %s: [%s]. Rollback requested by user.", strings.ToLower(verb), failed))
		for i := len(done) - 1; i >= 0; i-- {
			c := done[i]
			if c.action == "Add" {
				s.addEvent(st, c.id, c.typ, "DELETE_IN_PROGRESS", "")
				s.addEvent(st, c.id, c.typ, "DELETE_COMPLETE", "")
			} else {
				s.addEvent(st, c.id, c.typ, "UPDATE_COMPLETE", "")
			}
		}
		s.addEvent(st, st.name, stackType, rb+"_COMPLETE", "")
		end := rb + "_COMPLETE"
		st.final = func() { st.status, st.reason = end, "" }
	} else {
		if !creating {
			s.addEvent(st, st.name, stackType, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
			for _, c := range cs.changes {
				if c.action == "Remove" {
					s.addEvent(st, c.id, c.typ, "DELETE_IN_PROGRESS", "")
					s.addEvent(st, c.id, c.typ, "DELETE_COMPLETE", "")
				}
			}
		}
		s.addEvent(st, st.name, stackType, verb+"_COMPLETE", "")
		end := verb + "_COMPLETE"
		st.final = func() {
			st.status, st.reason, st.template, st.updated = end, "", tmpl, s.now()
		}
	}
	cs.execStatus = "EXECUTE_COMPLETE"
	// Executing consumes every change set of the stack, as on AWS.
	st.changeSet = map[string]*changeSet{}
	return struct {
		XMLName xml.Name `xml:"ExecuteChangeSetResult"`
	}{}, nil
}

// advance reveals the next EventsPerPoll queued events of st.
func (s *Server) advance(st *stack) {
	for range max(s.EventsPerPoll, 1) {
		s.advance1(st)
	}
}

func (s *Server) advance1(st *stack) {
	if len(st.pending) == 0 {
		return
	}
	e := st.pending[0]
	st.pending = st.pending[1:]
	st.events = append(st.events, e)
	if e.logical == st.name && strings.HasSuffix(e.status, "_IN_PROGRESS") {
		st.status, st.reason = e.status, e.reason
	}
	if len(st.pending) == 0 && st.final != nil {
		st.final()
		st.final = nil
	}
}

type xmlOutput struct {
	OutputKey   string `xml:"OutputKey"`
	OutputValue string `xml:"OutputValue"`
	Description string `xml:"Description,omitempty"`
}

type xmlStack struct {
	StackID           string      `xml:"StackId"`
	StackName         string      `xml:"StackName"`
	StackStatus       string      `xml:"StackStatus"`
	StackStatusReason string      `xml:"StackStatusReason,omitempty"`
	CreationTime      string      `xml:"CreationTime"`
	LastUpdatedTime   string      `xml:"LastUpdatedTime,omitempty"`
	Outputs           []xmlOutput `xml:"Outputs>member"`
}

func (s *Server) describeStacks(f formValues) (any, error) {
	name := f.Get("StackName")
	var list []*stack
	if name == "" {
		for _, st := range s.stacks {
			if st.status != "DELETE_COMPLETE" {
				list = append(list, st)
			}
		}
	} else {
		st := s.live(name)
		if st == nil {
			return nil, validation("Stack with id %s does not exist", name)
		}
		list = []*stack{st}
	}
	res := struct {
		XMLName xml.Name   `xml:"DescribeStacksResult"`
		Stacks  []xmlStack `xml:"Stacks>member"`
	}{}
	for _, st := range list {
		s.advance(st)
		x := xmlStack{StackID: st.id, StackName: st.name, StackStatus: st.status, StackStatusReason: st.reason, CreationTime: stamp(st.created)}
		if !st.updated.IsZero() {
			x.LastUpdatedTime = stamp(st.updated)
		}
		if outs, ok := st.template["Outputs"].(map[string]any); ok && st.status != "DELETE_COMPLETE" {
			keys := make([]string, 0, len(outs))
			for k := range outs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				v, ok := s.Outputs[k]
				if !ok {
					v = k + "-value"
				}
				desc := ""
				if om, ok := outs[k].(map[string]any); ok {
					desc, _ = om["Description"].(string)
				}
				x.Outputs = append(x.Outputs, xmlOutput{OutputKey: k, OutputValue: v, Description: desc})
			}
		}
		res.Stacks = append(res.Stacks, x)
	}
	return res, nil
}

type xmlEvent struct {
	StackID              string `xml:"StackId"`
	EventID              string `xml:"EventId"`
	StackName            string `xml:"StackName"`
	LogicalResourceID    string `xml:"LogicalResourceId"`
	PhysicalResourceID   string `xml:"PhysicalResourceId"`
	ResourceType         string `xml:"ResourceType"`
	Timestamp            string `xml:"Timestamp"`
	ResourceStatus       string `xml:"ResourceStatus"`
	ResourceStatusReason string `xml:"ResourceStatusReason,omitempty"`
}

func (s *Server) describeStackEvents(f formValues) (any, error) {
	name := f.Get("StackName")
	st := s.live(name)
	if st == nil {
		return nil, validation("Stack [%s] does not exist", name)
	}
	s.advance(st)
	res := struct {
		XMLName     xml.Name   `xml:"DescribeStackEventsResult"`
		StackEvents []xmlEvent `xml:"StackEvents>member"`
	}{}
	// Newest first, as CloudFormation lists them.
	for i := len(st.events) - 1; i >= 0; i-- {
		e := st.events[i]
		res.StackEvents = append(res.StackEvents, xmlEvent{
			StackID: st.id, EventID: e.id, StackName: st.name, LogicalResourceID: e.logical,
			PhysicalResourceID: e.physical, ResourceType: e.typ, Timestamp: stamp(e.at),
			ResourceStatus: e.status, ResourceStatusReason: e.reason,
		})
	}
	return res, nil
}

func (s *Server) deleteStack(f formValues) (any, error) {
	name := f.Get("StackName")
	st := s.live(name)
	// Deleting a stack that does not exist succeeds, as on AWS.
	if st == nil || st.status == "DELETE_IN_PROGRESS" || st.status == "DELETE_COMPLETE" {
		return nil, nil
	}
	const stackType = "AWS::CloudFormation::Stack"
	st.status, st.reason = "DELETE_IN_PROGRESS", "User Initiated"
	s.addEvent(st, st.name, stackType, "DELETE_IN_PROGRESS", "User Initiated")
	res, _ := st.template["Resources"].(map[string]any)
	ids := make([]string, 0, len(res))
	for id := range res {
		ids = append(ids, id)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	for _, id := range ids {
		rm, _ := res[id].(map[string]any)
		typ, _ := rm["Type"].(string)
		s.addEvent(st, id, typ, "DELETE_IN_PROGRESS", "")
		s.addEvent(st, id, typ, "DELETE_COMPLETE", "")
	}
	s.addEvent(st, st.name, stackType, "DELETE_COMPLETE", "")
	st.final = func() { st.status, st.reason = "DELETE_COMPLETE", "" }
	return nil, nil
}

// formValues is the part of url.Values the handlers use.
type formValues interface{ Get(string) string }
