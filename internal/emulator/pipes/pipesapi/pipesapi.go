package pipesapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
)

// Wire constants.
const (
	TargetPrefix = "SfapiPipes"
	ContentType  = "application/x-amz-json-1.1"
)

// Register adds the SfapiPipes service backed by set to mux.
func Register(mux *awsjson.Mux, set *pipes.Set) {
	a := &api{set: set}
	mux.Register(&awsjson.Service{
		TargetPrefix: TargetPrefix,
		ContentType:  ContentType,
		Operations: map[string]awsjson.Operation{
			"ListPipes":       a.listPipes,
			"ListFailures":    a.listFailures,
			"RedriveFailures": a.redriveFailures,
		},
	})
}

type api struct{ set *pipes.Set }

// Result is one redriven (or failed) batch in a RedriveFailures answer.
type Result struct {
	PipeName     string `json:"PipeName"`
	FailureID    string `json:"FailureId"`
	BatchSize    int    `json:"BatchSize"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// ListFailuresOutput is ListFailures' answer.
type ListFailuresOutput struct {
	Failures []pipes.Failure `json:"Failures"`
}

// RedriveFailuresOutput is RedriveFailures' answer.
type RedriveFailuresOutput struct {
	Redriven []Result `json:"Redriven"`
	Failed   []Result `json:"Failed"`
}

type pipeInput struct {
	PipeName   string   `json:"PipeName"`
	FailureIDs []string `json:"FailureIds"`
	DryRun     bool     `json:"DryRun"`
}

func notFound(err error) error {
	if errors.Is(err, pipes.ErrNoSuchPipe) || errors.Is(err, pipes.ErrNoSuchFailure) {
		return &awsjson.Error{Status: http.StatusBadRequest, Code: "ResourceNotFoundException", Message: err.Error()}
	}
	return err
}

func (a *api) listPipes(context.Context, []byte) (any, error) {
	return struct {
		Pipes []string `json:"Pipes"`
	}{a.set.Names()}, nil
}

func (a *api) pipeNames(name string) []string {
	if name != "" {
		return []string{name}
	}
	return a.set.Names()
}

func (a *api) listFailures(_ context.Context, body []byte) (any, error) {
	var in pipeInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	out := ListFailuresOutput{Failures: []pipes.Failure{}}
	for _, name := range a.pipeNames(in.PipeName) {
		fs, err := a.set.Failures(name)
		if err != nil {
			return nil, notFound(err)
		}
		out.Failures = append(out.Failures, fs...)
	}
	return out, nil
}

func (a *api) redriveFailures(ctx context.Context, body []byte) (any, error) {
	var in pipeInput
	if err := awsjson.Decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.FailureIDs) > 0 && in.PipeName == "" {
		return nil, awsjson.Errorf(awsjson.CodeValidation, "FailureIds needs PipeName")
	}
	var todo []pipes.Failure
	for _, name := range a.pipeNames(in.PipeName) {
		fs, err := a.set.Failures(name)
		if err != nil {
			return nil, notFound(err)
		}
		if len(in.FailureIDs) == 0 {
			todo = append(todo, fs...)
			continue
		}
		byID := map[string]pipes.Failure{}
		for _, f := range fs {
			byID[f.ID] = f
		}
		for _, id := range in.FailureIDs {
			f, ok := byID[id]
			if !ok {
				return nil, notFound(errors.Join(pipes.ErrNoSuchFailure, errors.New("pipe "+name+": "+id)))
			}
			todo = append(todo, f)
		}
	}
	out := RedriveFailuresOutput{Redriven: []Result{}, Failed: []Result{}}
	for _, f := range todo {
		r := Result{PipeName: f.Pipe, FailureID: f.ID, BatchSize: f.BatchSize}
		if in.DryRun {
			out.Redriven = append(out.Redriven, r)
			continue
		}
		// The redrive outlives a dropped request: a batch the target
		// accepted must also leave the queue.
		if err := a.set.Redrive(context.WithoutCancel(ctx), f.Pipe, f.ID); err != nil {
			r.ErrorMessage = err.Error()
			out.Failed = append(out.Failed, r)
			continue
		}
		out.Redriven = append(out.Redriven, r)
	}
	return out, nil
}
