package asl

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/sfapi/sfapi/internal/emulator/kv"
)

// State machine types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// StateMachine is a stored state machine.
type StateMachine struct {
	Arn          string    `json:"arn"`
	Name         string    `json:"name"`
	Definition   string    `json:"definition"`
	Type         string    `json:"type"`
	RoleArn      string    `json:"roleArn"`
	Status       string    `json:"status"`
	CreationDate time.Time `json:"creationDate"`
	UpdateDate   time.Time `json:"updateDate,omitzero"`
	RevisionID   string    `json:"revisionId"`
}

// ValidateDefinition parses and validates a definition without storing it.
func ValidateDefinition(definition string) error {
	_, err := parseDefinition(definition)
	return err
}

// validName checks AWS's naming rules for state machines and executions.
func validName(kind, name string) error {
	if name == "" || len(name) > 80 {
		return apiErr(ErrInvalidName, "Invalid Name: '%s' (the %s name must be 1-80 characters)", name, kind)
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return apiErr(ErrInvalidName, "Invalid Name: '%s'", name)
		}
	}
	return nil
}

func (e *Engine) machineArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", e.opts.Region, e.opts.AccountID, name)
}

// machineName extracts the name from a state machine ARN of this engine.
func (e *Engine) machineName(arn string) (string, error) {
	name, ok := strings.CutPrefix(arn, e.smArnPrefix)
	if !ok || name == "" || strings.Contains(name, ":") {
		return "", apiErr(ErrInvalidArn, "Invalid Arn: 'Resource type not valid in this context: %s'", arn)
	}
	return name, nil
}

// CreateStateMachine validates and stores a state machine. Creating one
// that exists with the same definition, type and role is a no-op that
// returns the existing machine, as AWS does.
func (e *Engine) CreateStateMachine(ctx context.Context, name, definition, typ, roleArn string) (*StateMachine, error) {
	if err := validName("state machine", name); err != nil {
		return nil, err
	}
	if typ == "" {
		typ = TypeStandard
	}
	if typ != TypeStandard && typ != TypeExpress {
		return nil, apiErr(ErrValidation, "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", typ)
	}
	def, err := parseDefinition(definition)
	if err != nil {
		return nil, err
	}
	now := e.now()
	sm := StateMachine{Arn: e.machineArn(name), Name: name, Definition: definition, Type: typ, RoleArn: roleArn,
		Status: "ACTIVE", CreationDate: now, RevisionID: uuid.NewString()}
	hash := defHash(definition)
	err = e.db.Update(func(tx *kv.Tx) error {
		var old StateMachine
		found, err := getJSON(tx, bucketMachines, sm.Arn, &old)
		if err != nil {
			return err
		}
		if found {
			if old.Definition == definition && old.Type == typ && old.RoleArn == roleArn {
				sm = old
				return nil
			}
			return apiErr(ErrStateMachineAlreadyExists, "State Machine Already Exists: '%s'", sm.Arn)
		}
		if err := tx.Bucket(bucketDefinitions).Put([]byte(hash), []byte(definition)); err != nil {
			return err
		}
		return putJSON(tx, bucketMachines, []byte(sm.Arn), &sm)
	})
	if err != nil {
		return nil, err
	}
	e.cacheMachine(sm, def, hash)
	return &sm, nil
}

func (e *Engine) cacheMachine(sm StateMachine, def *machine, hash string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.machines[sm.Arn] = &machineEntry{sm: sm, def: def, hash: hash}
	e.defs[hash] = def
}

// machine returns a state machine and its parsed definition.
func (e *Engine) machine(arn string) (*machineEntry, error) {
	if _, err := e.machineName(arn); err != nil {
		return nil, err
	}
	e.mu.RLock()
	me := e.machines[arn]
	e.mu.RUnlock()
	if me != nil {
		return me, nil
	}
	var sm StateMachine
	var found bool
	err := e.db.View(func(tx *kv.Tx) error {
		var err error
		found, err = getJSON(tx, bucketMachines, arn, &sm)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read state machine: %w", err)
	}
	if !found {
		return nil, apiErr(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
	}
	hash := defHash(sm.Definition)
	def, err := e.parsedDef(hash, sm.Definition)
	if err != nil {
		return nil, fmt.Errorf("parse stored definition: %w", err)
	}
	e.cacheMachine(sm, def, hash)
	return &machineEntry{sm: sm, def: def, hash: hash}, nil
}

// DescribeStateMachine returns a state machine.
func (e *Engine) DescribeStateMachine(ctx context.Context, arn string) (*StateMachine, error) {
	me, err := e.machine(arn)
	if err != nil {
		return nil, err
	}
	sm := me.sm
	return &sm, nil
}

// UpdateStateMachine replaces a state machine's definition and/or role
// (empty means unchanged). Running executions keep the definition they
// started with.
func (e *Engine) UpdateStateMachine(ctx context.Context, arn, definition, roleArn string) (*StateMachine, error) {
	me, err := e.machine(arn)
	if err != nil {
		return nil, err
	}
	if definition == "" && roleArn == "" {
		return nil, apiErr(ErrValidation, "Either the definition or the roleArn must be specified")
	}
	def := me.def
	if definition != "" {
		if def, err = parseDefinition(definition); err != nil {
			return nil, err
		}
	}
	var sm StateMachine
	err = e.db.Update(func(tx *kv.Tx) error {
		found, err := getJSON(tx, bucketMachines, arn, &sm)
		if err != nil {
			return err
		}
		if !found {
			return apiErr(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
		}
		if definition != "" {
			sm.Definition = definition
			if err := tx.Bucket(bucketDefinitions).Put([]byte(defHash(definition)), []byte(definition)); err != nil {
				return err
			}
		}
		if roleArn != "" {
			sm.RoleArn = roleArn
		}
		sm.UpdateDate = e.now()
		sm.RevisionID = uuid.NewString()
		return putJSON(tx, bucketMachines, []byte(arn), &sm)
	})
	if err != nil {
		return nil, err
	}
	e.cacheMachine(sm, def, defHash(sm.Definition))
	return &sm, nil
}

// DeleteStateMachine deletes a state machine. Its running executions
// continue with their snapshotted definition. Deleting a machine that does
// not exist succeeds, as in AWS.
func (e *Engine) DeleteStateMachine(ctx context.Context, arn string) error {
	if _, err := e.machineName(arn); err != nil {
		return err
	}
	err := e.db.Update(func(tx *kv.Tx) error {
		return tx.Bucket(bucketMachines).Delete([]byte(arn))
	})
	if err != nil {
		return fmt.Errorf("delete state machine: %w", err)
	}
	e.mu.Lock()
	delete(e.machines, arn)
	e.mu.Unlock()
	return nil
}

// ListStateMachines lists state machines by name. nextToken is the token a
// previous call returned; maxResults 0 means 100.
func (e *Engine) ListStateMachines(ctx context.Context, maxResults int, nextToken string) ([]StateMachine, string, error) {
	var all []StateMachine
	err := e.db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucketMachines).ForEach(func(_, v []byte) error {
			var sm StateMachine
			if err := jsonUnmarshal(v, &sm); err != nil {
				return err
			}
			all = append(all, sm)
			return nil
		})
	})
	if err != nil {
		return nil, "", fmt.Errorf("list state machines: %w", err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return page(all, maxResults, nextToken)
}

// page slices a sorted list by an offset token.
func page[T any](all []T, maxResults int, token string) ([]T, string, error) {
	if maxResults <= 0 || maxResults > 1000 {
		maxResults = 100
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(all) {
			return nil, "", apiErr(ErrInvalidToken, "Invalid Token: '%s'", token)
		}
		start = n
	}
	end := min(start+maxResults, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}
