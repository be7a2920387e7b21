package jobscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/spf13/cobra"

	"github.com/sfapi/sfapi/internal/emulator"
)

// RedriveAPI is the part of the Step Functions client redrive uses.
type RedriveAPI interface {
	ListExecutions(context.Context, *sfn.ListExecutionsInput, ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
	RedriveExecution(context.Context, *sfn.RedriveExecutionInput, ...func(*sfn.Options)) (*sfn.RedriveExecutionOutput, error)
}

// pipesTarget is sfapi's own on-failure queue API on the AWS endpoint
// (internal/emulator/pipes/pipesapi).
const pipesTarget = "SfapiPipes.RedriveFailures"

func newCmdRedrive(opts *JobsOptions, run func(string) func(*cobra.Command, []string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "redrive",
		Short: "Send failed pipe batches and failed executions through again",
		Long: `Redrive what failed, and say what was done:

- the batches parked in the pipes' on-failure queues of the running sfapi dev
  go through their pipe's target once more; a batch leaves the queue only
  when the target accepted it (a deployed stack has no such queue: AWS Pipes
  sends failed batches to the pipe's dead-letter queue, so --stack skips
  this part);
- the FAILED, TIMED_OUT and ABORTED executions of the job state machines are
  redriven (Step Functions RedriveExecution: each restarts from the state
  that failed).

--dry-run lists what would be redriven and changes nothing. The command
exits 1 when any redrive failed.`,
		Example: `  sfapi jobs redrive --dry-run
  sfapi jobs redrive --pipe JobsToAddGopher`,
		Args: cobra.NoArgs,
		RunE: run("redrive"),
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "list what would be redriven, change nothing")
	cmd.Flags().StringVar(&opts.Pipe, "pipe", "", "only this pipe's on-failure queue (default: every pipe)")
	cmd.Flags().BoolVar(&opts.SkipExecutions, "skip-executions", false, "redrive only pipe batches, not executions")
	return cmd
}

func redriveRun(ctx context.Context, o *JobsOptions, t *Target) error {
	verb := "redrove"
	if o.DryRun {
		verb = "would redrive"
	}
	var failed int
	endpoint, err := o.pipesEndpoint()
	switch {
	case err != nil:
		return err
	case endpoint == "":
		fmt.Fprintln(o.IO.ErrOut, "pipe batches: skipped (a deployed stack's failed batches are in the pipe's dead-letter queue)")
	default:
		n, err := redrivePipes(ctx, o, t.HTTP, endpoint, verb)
		if err != nil {
			return err
		}
		failed += n
	}
	if !o.SkipExecutions {
		api, ok := t.Source.SFN.(RedriveAPI)
		if !ok {
			return errors.New("the Step Functions client cannot redrive executions")
		}
		n, err := redriveExecutions(ctx, o, api, t.Source.Machines, verb)
		if err != nil {
			return err
		}
		failed += n
	}
	if failed > 0 {
		return fmt.Errorf("%d redrive(s) failed", failed)
	}
	return nil
}

// pipesEndpoint is the AWS endpoint of a running sfapi dev, or "" for a
// deployed stack without --endpoint.
func (o *JobsOptions) pipesEndpoint() (string, error) {
	if o.Endpoint != "" {
		return o.Endpoint, nil
	}
	if o.Stack != "" {
		return "", nil
	}
	dir := o.DataDir
	if dir == "" {
		dir = filepath.Join(o.ProjectDir, ".sfapi")
	}
	ep, err := emulator.ReadEndpoints(dir)
	if err != nil {
		return "", fmt.Errorf("find the running sfapi dev: %w", err)
	}
	return ep.AWS, nil
}

type pipeResult struct {
	PipeName     string
	FailureID    string `json:"FailureId"`
	BatchSize    int
	ErrorMessage string
}

func redrivePipes(ctx context.Context, o *JobsOptions, hc *http.Client, endpoint, verb string) (failed int, err error) {
	body, _ := json.Marshal(map[string]any{"PipeName": o.Pipe, "DryRun": o.DryRun})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", pipesTarget)
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("redrive pipe batches: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, fmt.Errorf("redrive pipe batches: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		return 0, fmt.Errorf("redrive pipe batches: %s: %s", e.Type, e.Message)
	}
	var out struct {
		Redriven, Failed []pipeResult
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return 0, fmt.Errorf("redrive pipe batches: read answer: %w", err)
	}
	for _, r := range out.Redriven {
		fmt.Fprintf(o.IO.Out, "%s pipe batch %s/%s (%d records)\n", verb, r.PipeName, r.FailureID, r.BatchSize)
	}
	for _, r := range out.Failed {
		fmt.Fprintf(o.IO.Out, "failed to redrive pipe batch %s/%s (%d records): %s\n", r.PipeName, r.FailureID, r.BatchSize, r.ErrorMessage)
	}
	if len(out.Redriven)+len(out.Failed) == 0 {
		fmt.Fprintln(o.IO.Out, "no failed pipe batches")
	}
	return len(out.Failed), nil
}

func redriveExecutions(ctx context.Context, o *JobsOptions, api RedriveAPI, machines []string, verb string) (failed int, err error) {
	found := 0
	for _, m := range machines {
		for _, status := range []sfntypes.ExecutionStatus{sfntypes.ExecutionStatusFailed, sfntypes.ExecutionStatusTimedOut, sfntypes.ExecutionStatusAborted} {
			p := sfn.NewListExecutionsPaginator(api, &sfn.ListExecutionsInput{StateMachineArn: aws.String(m), StatusFilter: status})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return failed, fmt.Errorf("list %s executions of %s: %w", status, m, err)
				}
				for _, ex := range page.Executions {
					found++
					name := machineName(m) + "/" + aws.ToString(ex.Name)
					if o.DryRun {
						fmt.Fprintf(o.IO.Out, "%s execution %s (%s)\n", verb, name, status)
						continue
					}
					if _, err := api.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
						failed++
						fmt.Fprintf(o.IO.Out, "failed to redrive execution %s (%s): %v\n", name, status, err)
						continue
					}
					fmt.Fprintf(o.IO.Out, "%s execution %s (%s)\n", verb, name, status)
				}
			}
		}
	}
	if found == 0 {
		fmt.Fprintln(o.IO.Out, "no failed executions")
	}
	return failed, nil
}

// machineName is the last segment of a state machine ARN.
func machineName(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }
