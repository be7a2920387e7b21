package sfnapi

import (
	"context"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

// Wire handlers of TestState, the task token callbacks, RedriveExecution
// and the tagging APIs.

type testStateInput struct {
	Definition      string `json:"definition"`
	StateName       string `json:"stateName"`
	Input           string `json:"input"`
	RoleArn         string `json:"roleArn"`
	Variables       string `json:"variables"`
	InspectionLevel string `json:"inspectionLevel"`
	RevealSecrets   bool   `json:"revealSecrets"`
	Mock            *struct {
		Result      *string `json:"result"`
		ErrorOutput *struct {
			Error string `json:"error"`
			Cause string `json:"cause"`
		} `json:"errorOutput"`
	} `json:"mock"`
}

type inspectionData struct {
	Input               string `json:"input,omitempty"`
	AfterInputPath      string `json:"afterInputPath,omitempty"`
	AfterParameters     string `json:"afterParameters,omitempty"`
	Result              string `json:"result,omitempty"`
	AfterResultSelector string `json:"afterResultSelector,omitempty"`
	AfterResultPath     string `json:"afterResultPath,omitempty"`
	Variables           string `json:"variables,omitempty"`
}

type testStateOutput struct {
	Output         string          `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	Cause          string          `json:"cause,omitempty"`
	InspectionData *inspectionData `json:"inspectionData,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	Status         string          `json:"status"`
}

func (h *handler) testState(ctx context.Context, in *testStateInput) (any, error) {
	if err := required("definition", in.Definition); err != nil {
		return nil, err
	}
	req := asl.TestStateInput{Definition: in.Definition, StateName: in.StateName, Input: in.Input, RoleArn: in.RoleArn,
		Variables: in.Variables, InspectionLevel: in.InspectionLevel, RevealSecrets: in.RevealSecrets}
	if in.Mock != nil {
		m := &asl.TestStateMock{}
		if in.Mock.Result != nil {
			m.Result = *in.Mock.Result
		}
		if in.Mock.ErrorOutput != nil {
			m.Error, m.Cause = in.Mock.ErrorOutput.Error, in.Mock.ErrorOutput.Cause
		}
		req.Mock = m
	}
	res, err := h.e.TestState(ctx, req)
	if err != nil {
		return nil, err
	}
	out := testStateOutput{Output: res.Output, Error: res.Error, Cause: res.Cause, NextState: res.NextState, Status: res.Status}
	if d := res.Inspection; d != nil {
		out.InspectionData = &inspectionData{Input: d.Input, AfterInputPath: d.AfterInputPath, AfterParameters: d.AfterParameters,
			Result: d.Result, AfterResultSelector: d.AfterResultSelector, AfterResultPath: d.AfterResultPath, Variables: d.Variables}
	}
	return out, nil
}

type sendTaskInput struct {
	TaskToken string  `json:"taskToken"`
	Output    *string `json:"output"`
	Error     string  `json:"error"`
	Cause     string  `json:"cause"`
}

func (h *handler) sendTaskSuccess(ctx context.Context, in *sendTaskInput) (any, error) {
	if err := required("taskToken", in.TaskToken); err != nil {
		return nil, err
	}
	if in.Output == nil {
		return nil, required("output", "")
	}
	if err := h.e.SendTaskSuccess(ctx, in.TaskToken, *in.Output); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *handler) sendTaskFailure(ctx context.Context, in *sendTaskInput) (any, error) {
	if err := required("taskToken", in.TaskToken); err != nil {
		return nil, err
	}
	if err := h.e.SendTaskFailure(ctx, in.TaskToken, in.Error, in.Cause); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *handler) sendTaskHeartbeat(ctx context.Context, in *sendTaskInput) (any, error) {
	if err := required("taskToken", in.TaskToken); err != nil {
		return nil, err
	}
	if err := h.e.SendTaskHeartbeat(ctx, in.TaskToken); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *handler) redriveExecution(ctx context.Context, in *arnInput) (any, error) {
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	// The redriven execution outlives the request.
	date, err := h.e.RedriveExecution(context.WithoutCancel(ctx), in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return struct {
		RedriveDate *epoch `json:"redriveDate"`
	}{toEpoch(date)}, nil
}

type tagInput struct {
	ResourceArn string    `json:"resourceArn"`
	Tags        []asl.Tag `json:"tags"`
	TagKeys     []string  `json:"tagKeys"`
}

func (h *handler) tagResource(ctx context.Context, in *tagInput) (any, error) {
	if err := required("resourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	if err := h.e.TagResource(ctx, in.ResourceArn, in.Tags); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *handler) untagResource(ctx context.Context, in *tagInput) (any, error) {
	if err := required("resourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	if err := h.e.UntagResource(ctx, in.ResourceArn, in.TagKeys); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *handler) listTagsForResource(ctx context.Context, in *tagInput) (any, error) {
	if err := required("resourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := h.e.ListTagsForResource(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags []asl.Tag `json:"tags"`
	}{tags}, nil
}
