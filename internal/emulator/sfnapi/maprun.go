package sfnapi

import (
	"context"

	"github.com/sfapi/sfapi/internal/emulator/asl"
)

// Map Runs of distributed Map states: DescribeMapRun, ListMapRuns,
// UpdateMapRun.

type mapRunInput struct {
	MapRunArn                  string   `json:"mapRunArn"`
	MaxConcurrency             *int64   `json:"maxConcurrency"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
}

type describeMapRunOutput struct {
	MapRunArn                  string           `json:"mapRunArn"`
	ExecutionArn               string           `json:"executionArn"`
	Status                     string           `json:"status"`
	StartDate                  *epoch           `json:"startDate"`
	StopDate                   *epoch           `json:"stopDate,omitempty"`
	MaxConcurrency             int64            `json:"maxConcurrency"`
	ToleratedFailurePercentage float64          `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64            `json:"toleratedFailureCount"`
	ItemCounts                 asl.MapRunCounts `json:"itemCounts"`
	ExecutionCounts            asl.MapRunCounts `json:"executionCounts"`
	RedriveCount               int              `json:"redriveCount"`
}

func (h *handler) describeMapRun(ctx context.Context, in *mapRunInput) (any, error) {
	if err := required("mapRunArn", in.MapRunArn); err != nil {
		return nil, err
	}
	mr, err := h.e.DescribeMapRun(ctx, in.MapRunArn)
	if err != nil {
		return nil, err
	}
	return describeMapRunOutput{MapRunArn: mr.MapRunArn, ExecutionArn: mr.ExecutionArn, Status: mr.Status,
		StartDate: toEpoch(mr.StartDate), StopDate: toEpoch(mr.StopDate), MaxConcurrency: mr.MaxConcurrency,
		ToleratedFailurePercentage: mr.ToleratedFailurePercentage, ToleratedFailureCount: mr.ToleratedFailureCount,
		ItemCounts: mr.ItemCounts, ExecutionCounts: mr.ExecutionCounts}, nil
}

type mapRunListItem struct {
	ExecutionArn    string `json:"executionArn"`
	MapRunArn       string `json:"mapRunArn"`
	StateMachineArn string `json:"stateMachineArn"`
	StartDate       *epoch `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
}

func (h *handler) listMapRuns(ctx context.Context, in *listInput) (any, error) {
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	runs, next, err := h.e.ListMapRuns(ctx, in.ExecutionArn, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := make([]mapRunListItem, len(runs))
	for i, mr := range runs {
		items[i] = mapRunListItem{mr.ExecutionArn, mr.MapRunArn, mr.StateMachineArn, toEpoch(mr.StartDate), toEpoch(mr.StopDate)}
	}
	return struct {
		MapRuns   []mapRunListItem `json:"mapRuns"`
		NextToken string           `json:"nextToken,omitempty"`
	}{items, next}, nil
}

func (h *handler) updateMapRun(ctx context.Context, in *mapRunInput) (any, error) {
	if err := required("mapRunArn", in.MapRunArn); err != nil {
		return nil, err
	}
	err := h.e.UpdateMapRun(ctx, in.MapRunArn, asl.MapRunUpdate{MaxConcurrency: in.MaxConcurrency,
		ToleratedFailurePercentage: in.ToleratedFailurePercentage, ToleratedFailureCount: in.ToleratedFailureCount})
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
