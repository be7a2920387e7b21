package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/sfapi/sfapi/internal/deploy/cfn"
)

// API is the part of the CloudFormation client deploy uses;
// *cloudformation.Client implements it.
type API interface {
	CreateChangeSet(context.Context, *cloudformation.CreateChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error)
	DescribeChangeSet(context.Context, *cloudformation.DescribeChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error)
	ExecuteChangeSet(context.Context, *cloudformation.ExecuteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error)
	DeleteChangeSet(context.Context, *cloudformation.DeleteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error)
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackEvents(context.Context, *cloudformation.DescribeStackEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
	DeleteStack(context.Context, *cloudformation.DeleteStackInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error)
}

var _ API = (*cloudformation.Client)(nil)

// DefaultPollInterval is how often stack events are polled.
const DefaultPollInterval = 2 * time.Second

// ErrDeclined is returned when the user answers no.
var ErrDeclined = errors.New("cancelled: nothing was changed")

// Options are the inputs shared by Deploy and Destroy.
type Options struct {
	StackName string
	// Confirm is asked before anything changes, with a one-line question;
	// nil means yes (--yes).
	Confirm func(ctx context.Context, question string) (bool, error)
	// Out receives the diff and the outputs; Progress the live events.
	Out, Progress io.Writer
	// PollInterval between event polls; 0 polls without pausing (tests).
	PollInterval time.Duration
	// Now stamps change set names.
	Now func() time.Time
}

// Result is how a deployment or deletion ended.
type Result struct {
	StackID   string
	Status    string
	NoChanges bool
	Outputs   map[string]string
}

// FailedError is a stack operation that failed: the first resource that
// failed, why, and the state the stack rolled back to.
type FailedError struct {
	Stack, Status     string
	Resource, Type    string
	Reason            string
	StackStatusReason string
}

func (e *FailedError) Error() string {
	msg := fmt.Sprintf("stack %s ended in %s", e.Stack, e.Status)
	if e.Resource != "" {
		msg += fmt.Sprintf(": %s (%s) failed: %s", e.Resource, e.Type, e.Reason)
	} else if e.StackStatusReason != "" {
		msg += ": " + e.StackStatusReason
	}
	return msg
}

// noChangeReasons are how CloudFormation says a change set is empty.
var noChangeReasons = []string{"didn't contain changes", "No updates are to be performed"}

// Deploy creates or updates the stack with template.
func Deploy(ctx context.Context, api API, tmpl *cfn.Template, opts Options) (*Result, error) {
	body, err := tmpl.CompactJSON()
	if err != nil {
		return nil, err
	}
	if len(body) > cfn.MaxTemplateBody {
		return nil, fmt.Errorf("template is %d bytes, over CloudFormation's %d-byte limit for an inline template (S3 upload is not supported yet)", len(body), cfn.MaxTemplateBody)
	}
	st, err := describeStack(ctx, api, opts.StackName)
	if err != nil {
		return nil, err
	}
	csType := types.ChangeSetTypeUpdate
	switch {
	case st == nil || st.StackStatus == types.StackStatusReviewInProgress:
		csType = types.ChangeSetTypeCreate
	case st.StackStatus == types.StackStatusRollbackComplete || st.StackStatus == types.StackStatusRollbackFailed:
		return nil, fmt.Errorf("stack %s is in %s after a failed first deployment and cannot be updated; run sfapi destroy, then deploy again", opts.StackName, st.StackStatus)
	case strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS"):
		return nil, fmt.Errorf("stack %s is busy (%s); wait for it to finish", opts.StackName, st.StackStatus)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	csName := "sfapi-" + now().UTC().Format("20060102-150405")
	created, err := api.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(opts.StackName),
		ChangeSetName: aws.String(csName),
		ChangeSetType: csType,
		TemplateBody:  aws.String(string(body)),
		Description:   aws.String("sfapi deploy"),
		// The stack creates IAM roles, some with names the OpenAPI file
		// chose (credentials ARNs), hence NAMED_IAM.
		Capabilities: []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityNamedIam},
	})
	if err != nil {
		return nil, fmt.Errorf("create change set: %w", err)
	}
	csID, stackID := aws.ToString(created.Id), aws.ToString(created.StackId)
	discard := func() {
		// Best effort, on a context that outlives a Ctrl-C.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = api.DeleteChangeSet(dctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String(csID), StackName: aws.String(stackID)})
		if csType == types.ChangeSetTypeCreate {
			// The stack CreateChangeSet made to hold the change set; wait
			// until it is gone so the next deploy can create it afresh.
			if _, err := api.DeleteStack(dctx, &cloudformation.DeleteStackInput{StackName: aws.String(stackID)}); err != nil {
				return
			}
			for range 100 {
				out, err := api.DescribeStacks(dctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackID)})
				if err != nil || len(out.Stacks) == 0 || out.Stacks[0].StackStatus == types.StackStatusDeleteComplete {
					return
				}
				if sleep(dctx, opts.PollInterval) != nil {
					return
				}
			}
		}
	}
	changes, cs, err := waitChangeSet(ctx, api, csID, stackID, opts.PollInterval)
	if err != nil {
		discard()
		return nil, err
	}
	if cs.Status == types.ChangeSetStatusFailed {
		reason := aws.ToString(cs.StatusReason)
		for _, r := range noChangeReasons {
			if strings.Contains(reason, r) {
				discard()
				fmt.Fprintf(opts.Out, "No changes: stack %s is up to date.\n", opts.StackName)
				return &Result{StackID: stackID, Status: string(st.StackStatus), NoChanges: true, Outputs: outputs(st)}, nil
			}
		}
		discard()
		return nil, fmt.Errorf("change set failed: %s", reason)
	}
	printDiff(opts.Out, opts.StackName, csType, changes)
	if opts.Confirm != nil {
		ok, err := opts.Confirm(ctx, fmt.Sprintf("Deploy these changes to %s?", opts.StackName))
		if err != nil || !ok {
			discard()
			if err != nil {
				return nil, err
			}
			return nil, ErrDeclined
		}
	}
	seen, err := eventIDs(ctx, api, stackID)
	if err != nil {
		discard()
		return nil, err
	}
	if _, err := api.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String(csID), StackName: aws.String(stackID)}); err != nil {
		discard()
		return nil, fmt.Errorf("execute change set: %w", err)
	}
	total := 0
	for _, c := range changes {
		if c.ResourceChange != nil && c.ResourceChange.Action != types.ChangeActionRemove {
			total++
		}
	}
	final, failed, err := follow(ctx, api, stackID, opts, seen, total)
	if err != nil {
		return nil, err
	}
	status := string(final.StackStatus)
	if status != string(types.StackStatusCreateComplete) && status != string(types.StackStatusUpdateComplete) {
		return nil, failure(opts.StackName, final, failed)
	}
	res := &Result{StackID: stackID, Status: status, Outputs: outputs(final)}
	printOutputs(opts.Out, res.Outputs)
	return res, nil
}

// Destroy deletes the stack and follows the deletion.
func Destroy(ctx context.Context, api API, opts Options) (*Result, error) {
	st, err := describeStack(ctx, api, opts.StackName)
	if err != nil {
		return nil, err
	}
	if st == nil {
		fmt.Fprintf(opts.Out, "Stack %s does not exist: nothing to destroy.\n", opts.StackName)
		return &Result{Status: "DELETE_COMPLETE"}, nil
	}
	stackID := aws.ToString(st.StackId)
	if opts.Confirm != nil {
		ok, err := opts.Confirm(ctx, fmt.Sprintf("Delete stack %s and every resource in it, including the data in its tables?", opts.StackName))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrDeclined
		}
	}
	seen, err := eventIDs(ctx, api, stackID)
	if err != nil {
		return nil, err
	}
	if _, err := api.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(stackID)}); err != nil {
		return nil, fmt.Errorf("delete stack: %w", err)
	}
	final, failed, err := follow(ctx, api, stackID, opts, seen, 0)
	if err != nil {
		return nil, err
	}
	if final.StackStatus != types.StackStatusDeleteComplete {
		return nil, failure(opts.StackName, final, failed)
	}
	fmt.Fprintf(opts.Out, "Stack %s deleted.\n", opts.StackName)
	return &Result{StackID: stackID, Status: string(final.StackStatus)}, nil
}

func failure(name string, st *types.Stack, failed *types.StackEvent) error {
	e := &FailedError{Stack: name, Status: string(st.StackStatus), StackStatusReason: aws.ToString(st.StackStatusReason)}
	if failed != nil {
		e.Resource = aws.ToString(failed.LogicalResourceId)
		e.Type = aws.ToString(failed.ResourceType)
		e.Reason = aws.ToString(failed.ResourceStatusReason)
	}
	return e
}

// describeStack returns the live stack called name, or nil when there is
// none (CloudFormation answers ValidationError "does not exist").
func describeStack(ctx context.Context, api API, name string) (*types.Stack, error) {
	out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist") {
			return nil, nil
		}
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	st := out.Stacks[0]
	if st.StackStatus == types.StackStatusDeleteComplete {
		return nil, nil
	}
	return &st, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxPolls bounds every wait (CloudFormation's own stack timeout is far
// shorter than maxPolls × DefaultPollInterval).
const maxPolls = 20000

// waitChangeSet waits until the change set is computed and returns all its
// changes (every page).
func waitChangeSet(ctx context.Context, api API, csID, stackID string, every time.Duration) ([]types.Change, *cloudformation.DescribeChangeSetOutput, error) {
	for range maxPolls {
		out, err := api.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID), StackName: aws.String(stackID)})
		if err != nil {
			return nil, nil, fmt.Errorf("describe change set: %w", err)
		}
		switch out.Status {
		case types.ChangeSetStatusCreatePending, types.ChangeSetStatusCreateInProgress:
			if err := sleep(ctx, every); err != nil {
				return nil, nil, err
			}
			continue
		}
		changes := out.Changes
		for next := out.NextToken; next != nil; {
			page, err := api.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID), StackName: aws.String(stackID), NextToken: next})
			if err != nil {
				return nil, nil, fmt.Errorf("describe change set: %w", err)
			}
			changes = append(changes, page.Changes...)
			next = page.NextToken
		}
		return changes, out, nil
	}
	return nil, nil, fmt.Errorf("change set %s: still not computed after %d polls", csID, maxPolls)
}

// printDiff shows the changes like a plan: + add, ~ modify, - remove, with
// replacements called out (they recreate the resource; for a table that
// means a new, empty table).
func printDiff(w io.Writer, stack string, typ types.ChangeSetType, changes []types.Change) {
	verb := "update"
	if typ == types.ChangeSetTypeCreate {
		verb = "create"
	}
	fmt.Fprintf(w, "Changes to %s (%s):\n", stack, verb)
	width := 0
	for _, c := range changes {
		if rc := c.ResourceChange; rc != nil {
			width = max(width, len(aws.ToString(rc.LogicalResourceId)))
		}
	}
	var add, mod, del, repl int
	for _, c := range changes {
		rc := c.ResourceChange
		if rc == nil {
			continue
		}
		mark, note := "?", ""
		switch rc.Action {
		case types.ChangeActionAdd:
			mark = "+"
			add++
		case types.ChangeActionModify:
			mark = "~"
			mod++
			switch rc.Replacement {
			case types.ReplacementTrue:
				note = "  (replacement)"
				repl++
			case types.ReplacementConditional:
				note = "  (may be replaced)"
				repl++
			}
		case types.ChangeActionRemove:
			mark = "-"
			del++
		default:
			note = "  (" + string(rc.Action) + ")"
		}
		fmt.Fprintf(w, "  %s %-*s  %s%s\n", mark, width, aws.ToString(rc.LogicalResourceId), aws.ToString(rc.ResourceType), note)
	}
	summary := fmt.Sprintf("%d to add, %d to change, %d to remove", add, mod, del)
	if repl > 0 {
		summary += fmt.Sprintf(" (%d replaced)", repl)
	}
	fmt.Fprintln(w, summary)
}

// eventIDs returns the IDs of the events the stack already has, so that
// following an operation shows only its own events.
func eventIDs(ctx context.Context, api API, stackID string) (map[string]bool, error) {
	evs, err := events(ctx, api, stackID)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(evs))
	for _, e := range evs {
		seen[aws.ToString(e.EventId)] = true
	}
	return seen, nil
}

// events returns the stack's events, newest first (every page).
func events(ctx context.Context, api API, stackID string) ([]types.StackEvent, error) {
	var out []types.StackEvent
	var next *string
	for {
		page, err := api.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stackID), NextToken: next})
		if err != nil {
			return nil, fmt.Errorf("describe stack events: %w", err)
		}
		out = append(out, page.StackEvents...)
		if page.NextToken == nil {
			return out, nil
		}
		next = page.NextToken
	}
}

// follow prints new stack events as they come, with a count of finished
// resources out of total (0: unknown), until the stack settles. It
// returns the final stack and the first event that failed, if any.
func follow(ctx context.Context, api API, stackID string, opts Options, seen map[string]bool, total int) (*types.Stack, *types.StackEvent, error) {
	var failed *types.StackEvent
	done := 0
	flush := func() error {
		evs, err := events(ctx, api, stackID)
		if err != nil {
			return err
		}
		for i := len(evs) - 1; i >= 0; i-- { // oldest first
			e := evs[i]
			id := aws.ToString(e.EventId)
			if seen[id] {
				continue
			}
			seen[id] = true
			status := string(e.ResourceStatus)
			isStack := aws.ToString(e.PhysicalResourceId) == stackID
			if !isStack && (status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE") {
				done++
			}
			if failed == nil && strings.HasSuffix(status, "_FAILED") {
				failed = &evs[i]
			}
			progress := ""
			if total > 0 {
				progress = fmt.Sprintf("%-9s ", fmt.Sprintf("[%d/%d]", min(done, total), total))
			}
			line := fmt.Sprintf("%s  %s%-35s  %-30s  %s", aws.ToTime(e.Timestamp).UTC().Format("15:04:05"), progress, status, aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType))
			if r := aws.ToString(e.ResourceStatusReason); r != "" && r != "User Initiated" {
				line += "  " + r
			}
			fmt.Fprintln(opts.Progress, strings.TrimRight(line, " "))
		}
		return nil
	}
	for range maxPolls {
		if err := flush(); err != nil {
			return nil, nil, err
		}
		out, err := api.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackID)})
		if err != nil {
			return nil, nil, fmt.Errorf("describe stack: %w", err)
		}
		if len(out.Stacks) == 0 {
			return nil, nil, fmt.Errorf("stack %s disappeared", stackID)
		}
		st := out.Stacks[0]
		if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") && st.StackStatus != types.StackStatusReviewInProgress {
			if err := flush(); err != nil {
				return nil, nil, err
			}
			return &st, failed, nil
		}
		if err := sleep(ctx, opts.PollInterval); err != nil {
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("stack %s: still in progress after %d polls", stackID, maxPolls)
}

func outputs(st *types.Stack) map[string]string {
	if st == nil {
		return nil
	}
	out := map[string]string{}
	for _, o := range st.Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}

func printOutputs(w io.Writer, outs map[string]string) {
	if len(outs) == 0 {
		return
	}
	keys := make([]string, 0, len(outs))
	width := 0
	for k := range outs {
		keys = append(keys, k)
		width = max(width, len(k))
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "Outputs:")
	for _, k := range keys {
		fmt.Fprintf(w, "  %-*s  %s\n", width, k, outs[k])
	}
}
