package sqsapi

import (
	"net/url"
	"testing"
)

var formSeeds = []string{
	"Action=CreateQueue&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Tag.1.Key=k&Tag.1.Value=v",
	"Action=SendMessage&MessageBody=hi&DelaySeconds=3&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=AQID",
	"Action=ReceiveMessage&AttributeName.1=All&MessageAttributeName.2=b&MessageAttributeName.1=a&MaxNumberOfMessages=10&WaitTimeSeconds=1",
	"Action=SendMessageBatch&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=2&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=1&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=x&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=y",
	"Action=ChangeMessageVisibilityBatch&ChangeMessageVisibilityBatchRequestEntry.1.Id=a&ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=h&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=9",
	"Action=SendMessage&DelaySeconds=x",
	"Attribute.0.Name=x",
	"Attribute.99999999999.Name=x",
	"MessageAttribute.1.Value.BinaryValue=***",
}

func TestDecodeForm(t *testing.T) {
	t.Parallel()
	parse := func(s string) (*request, error) {
		form, err := url.ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return decodeForm(form)
	}
	in, err := parse(formSeeds[0])
	if err != nil || in.QueueName != "q" || in.Attributes["VisibilityTimeout"] != "5" || in.Tags["k"] != "v" {
		t.Fatalf("CreateQueue = %+v, %v", in, err)
	}
	in, err = parse(formSeeds[1])
	if err != nil || *in.MessageBody != "hi" || *in.DelaySeconds != 3 || string(in.MessageAttributes["a"].BinaryValue) != "\x01\x02\x03" {
		t.Fatalf("SendMessage = %+v, %v", in, err)
	}
	in, err = parse(formSeeds[2])
	if err != nil || in.AttributeNames[0] != "All" || in.MessageAttributeNames[0] != "a" || in.MessageAttributeNames[1] != "b" || in.MaxNumberOfMessages != 10 || *in.WaitTimeSeconds != 1 {
		t.Fatalf("ReceiveMessage = %+v, %v", in, err)
	}
	in, err = parse(formSeeds[3])
	if err != nil || len(in.Entries) != 2 || in.Entries[0].Id != "a" || *in.Entries[1].MessageBody != "2" || *in.Entries[0].MessageAttributes["x"].StringValue != "y" {
		t.Fatalf("SendMessageBatch = %+v, %v", in, err)
	}
	in, err = parse(formSeeds[4])
	if err != nil || in.Entries[0].ReceiptHandle != "h" || *in.Entries[0].VisibilityTimeout != 9 {
		t.Fatalf("ChangeMessageVisibilityBatch = %+v, %v", in, err)
	}
	for _, bad := range formSeeds[5:] {
		if _, err := parse(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func FuzzDecodeForm(f *testing.F) {
	for _, s := range formSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		form, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		in, err := decodeForm(form)
		if err == nil && in == nil {
			t.Fatal("nil request without an error")
		}
		if err == nil && len(in.Entries) > maxIndex {
			t.Fatalf("%d entries", len(in.Entries))
		}
	})
}
