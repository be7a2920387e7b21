package asl

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MockConfig is Step Functions Local's MockConfigFile: test cases per
// state machine name, each mapping state names to a mocked response, and
// the mocked responses by name.
//
//	{"StateMachines": {"Orders": {"TestCases": {"HappyPath": {"Charge": "ChargeOK"}}}},
//	 "MockedResponses": {"ChargeOK": {"0": {"Return": {"Paid": true}},
//	                                  "1-2": {"Throw": {"Error": "Pay.Down", "Cause": "x"}}}}}
//
// A mocked Task state does not call its resource: invocation n of the state
// within one execution (retries and Map iterations count) gets the step
// whose range holds n.
type MockConfig struct {
	StateMachines   map[string]MockStateMachine `json:"StateMachines"`
	MockedResponses map[string]MockedResponse   `json:"MockedResponses"`
}

// MockStateMachine holds a state machine's test cases: test case name →
// state name → mocked response name.
type MockStateMachine struct {
	TestCases map[string]map[string]string `json:"TestCases"`
}

// MockedResponse is the ordered steps of one mocked response.
type MockedResponse []MockStep

// MockStep answers invocations From..To (inclusive, 0-based) with Return
// (the task result) or Throw (a task failure).
type MockStep struct {
	From, To int
	Return   json.RawMessage
	Throw    *MockThrow
}

// MockThrow is a mocked failure.
type MockThrow struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// UnmarshalJSON reads {"0": {...}, "1-2": {...}}.
func (m *MockedResponse) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("a mocked response must be an object of invocation ranges: %w", err)
	}
	var steps MockedResponse
	for key, v := range raw {
		from, to, err := parseRange(key)
		if err != nil {
			return err
		}
		var body struct {
			Return json.RawMessage `json:"Return"`
			Throw  *MockThrow      `json:"Throw"`
		}
		if err := json.Unmarshal(v, &body); err != nil {
			return fmt.Errorf("invocation %q: %w", key, err)
		}
		if (body.Return == nil) == (body.Throw == nil) {
			return fmt.Errorf("invocation %q: exactly one of Return or Throw is required", key)
		}
		if body.Throw != nil && body.Throw.Error == "" {
			return fmt.Errorf("invocation %q: Throw needs an Error", key)
		}
		steps = append(steps, MockStep{From: from, To: to, Return: body.Return, Throw: body.Throw})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].From < steps[j].From })
	for i := 1; i < len(steps); i++ {
		if steps[i].From <= steps[i-1].To {
			return fmt.Errorf("invocation ranges %d-%d and %d-%d overlap", steps[i-1].From, steps[i-1].To, steps[i].From, steps[i].To)
		}
	}
	*m = steps
	return nil
}

func parseRange(key string) (int, int, error) {
	a, b, isRange := strings.Cut(key, "-")
	from, err := strconv.Atoi(a)
	if err != nil || from < 0 {
		return 0, 0, fmt.Errorf("invocation key %q: want a number or a range such as \"1-3\"", key)
	}
	if !isRange {
		return from, from, nil
	}
	to, err := strconv.Atoi(b)
	if err != nil || to < from {
		return 0, 0, fmt.Errorf("invocation key %q: want a number or a range such as \"1-3\"", key)
	}
	return from, to, nil
}

// ParseMockConfig decodes and checks a MockConfigFile: every test case must
// name mocked responses that exist.
func ParseMockConfig(data []byte) (*MockConfig, error) {
	var c MockConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parse mock config: %w", err)
	}
	for sm, m := range c.StateMachines {
		for tc, states := range m.TestCases {
			for state, resp := range states {
				if _, ok := c.MockedResponses[resp]; !ok {
					return nil, fmt.Errorf("parse mock config: state machine %s, test case %s, state %s: mocked response %q is not defined", sm, tc, state, resp)
				}
			}
		}
	}
	return &c, nil
}

// LoadMockConfig reads a MockConfigFile.
func LoadMockConfig(path string) (*MockConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mock config: %w", err)
	}
	c, err := ParseMockConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// runMocks is one execution's test case with its invocation counters.
type runMocks struct {
	states map[string]string // state name → mocked response name
	cfg    *MockConfig

	mu     sync.Mutex
	counts map[string]int
}

// splitTestCase cuts Step Functions Local's "#TestCase" suffix off a state
// machine ARN and checks that the mock config has it.
func (e *Engine) splitTestCase(smArn string) (string, string, error) {
	arn, tc, ok := strings.Cut(smArn, "#")
	if !ok {
		return smArn, "", nil
	}
	name, err := e.machineName(arn)
	if err != nil {
		return "", "", err
	}
	if e.opts.Mocks == nil {
		return "", "", apiErr(ErrValidation, "Test case '%s' requested but no mock config is loaded", tc)
	}
	if _, ok := e.opts.Mocks.StateMachines[name].TestCases[tc]; !ok || tc == "" {
		return "", "", apiErr(ErrValidation, "Test case '%s' is not defined for state machine '%s' in the mock config", tc, name)
	}
	return arn, tc, nil
}

// mocksFor returns the mocks of an execution, or nil when none apply.
func (e *Engine) mocksFor(smName, testCase string) *runMocks {
	cfg := e.opts.Mocks
	if cfg == nil {
		return nil
	}
	if testCase == "" {
		testCase = e.opts.DefaultTestCase
	}
	states, ok := cfg.StateMachines[smName].TestCases[testCase]
	if !ok || len(states) == 0 {
		return nil
	}
	return &runMocks{states: states, cfg: cfg, counts: map[string]int{}}
}

// answer returns the mocked result of the state's next invocation; ok is
// false when the state is not mocked.
func (m *runMocks) answer(state string) (out json.RawMessage, f *Failure, ok bool) {
	if m == nil {
		return nil, nil, false
	}
	name, ok := m.states[state]
	if !ok {
		return nil, nil, false
	}
	m.mu.Lock()
	n := m.counts[state]
	m.counts[state] = n + 1
	m.mu.Unlock()
	for _, st := range m.cfg.MockedResponses[name] {
		if n < st.From || n > st.To {
			continue
		}
		if st.Throw != nil {
			return nil, &Failure{Error: st.Throw.Error, Cause: st.Throw.Cause}, true
		}
		return st.Return, nil, true
	}
	return nil, &Failure{Error: StatesRuntime, Cause: fmt.Sprintf("mocked response %s has no answer for invocation %d of state %s", name, n, state)}, true
}

// has reports whether the state is mocked.
func (m *runMocks) has(state string) bool {
	if m == nil {
		return false
	}
	_, ok := m.states[state]
	return ok
}
