package parity

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var _ = register("ttl/sweep-remove-records", func(t *testing.T, env *Env) {
	if env.Sweep == nil {
		t.Skip("the endpoint cannot sweep TTL on demand (Env.Sweep): expiry is not checked")
	}
	ctx := context.Background()
	name, arn := streamTable(t, env, "TTL", types.StreamViewTypeOldImage)
	must[*dynamodb.UpdateTimeToLiveOutput](t, "ttl on")(env.DB.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("exp")}}))
	now := env.Now()
	put(t, env, name, item{"pk": s("past"), "exp": n(fmt.Sprint(now.Add(-time.Hour).Unix()))})
	put(t, env, name, item{"pk": s("future"), "exp": n(fmt.Sprint(now.Add(time.Hour).Unix()))})
	put(t, env, name, item{"pk": s("ancient"), "exp": n(fmt.Sprint(now.AddDate(-6, 0, 0).Unix()))}) // over five years: ignored, as AWS does
	put(t, env, name, item{"pk": s("text"), "exp": s("0")})                                         // not a number: never expires
	put(t, env, name, item{"pk": s("none")})
	deleted, err := env.Sweep(ctx, now)
	if err != nil || deleted != 1 {
		t.Fatalf("sweep = %d, %v", deleted, err)
	}
	wantItem(t, "expired item", get(t, env, name, item{"pk": s("past")}), "<nil>")
	if get(t, env, name, item{"pk": s("future")}) == nil || get(t, env, name, item{"pk": s("ancient")}) == nil {
		t.Fatalf("unexpired items were deleted")
	}
	recs := records(t, env, arn)
	last := recs[len(recs)-1]
	if last.EventName != "REMOVE" || last.UserIdentity == nil || aws.ToString(last.UserIdentity.Type) != "Service" ||
		aws.ToString(last.UserIdentity.PrincipalId) != "dynamodb.amazonaws.com" || show(toItem(last.Dynamodb.OldImage)["pk"]) != `"past"` {
		t.Fatalf("ttl record = %+v identity %+v", last.Dynamodb, last.UserIdentity)
	}
	for _, r := range recs[:len(recs)-1] {
		if r.UserIdentity != nil {
			t.Fatalf("user write carries userIdentity: %+v", r)
		}
	}
	if again, err := env.Sweep(ctx, now); err != nil || again != 0 {
		t.Fatalf("second sweep = %d, %v", again, err)
	}
})
