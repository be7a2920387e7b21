package sqsapi

import (
	"encoding/base64"
	"encoding/xml"
	"sort"
)

// request is every operation's input in one shape (member names as in the
// service model); the query protocol's form is decoded into it too.
type request struct {
	QueueName                   string             `json:"QueueName"`
	QueueUrl                    string             `json:"QueueUrl"`
	QueueNamePrefix             string             `json:"QueueNamePrefix"`
	Attributes                  map[string]string  `json:"Attributes"`
	AttributeNames              []string           `json:"AttributeNames"`
	Tags                        map[string]string  `json:"tags"`
	TagKeys                     []string           `json:"TagKeys"`
	MessageBody                 *string            `json:"MessageBody"`
	MessageAttributes           map[string]msgAttr `json:"MessageAttributes"`
	DelaySeconds                *int               `json:"DelaySeconds"`
	MaxNumberOfMessages         int                `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int               `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int               `json:"WaitTimeSeconds"`
	MessageAttributeNames       []string           `json:"MessageAttributeNames"`
	MessageSystemAttributeNames []string           `json:"MessageSystemAttributeNames"`
	ReceiptHandle               string             `json:"ReceiptHandle"`
	Entries                     []entry            `json:"Entries"`
	MaxResults                  *int               `json:"MaxResults"`
	NextToken                   string             `json:"NextToken"`
}

type entry struct {
	Id                string             `json:"Id"`
	MessageBody       *string            `json:"MessageBody"`
	MessageAttributes map[string]msgAttr `json:"MessageAttributes"`
	DelaySeconds      *int               `json:"DelaySeconds"`
	ReceiptHandle     string             `json:"ReceiptHandle"`
	VisibilityTimeout *int               `json:"VisibilityTimeout"`
}

type msgAttr struct {
	DataType    string  `json:"DataType"`
	StringValue *string `json:"StringValue,omitempty"`
	BinaryValue []byte  `json:"BinaryValue,omitempty"`
}

// Outputs carry both encodings: JSON for the JSON protocol, XML (flattened
// lists and maps, as the query protocol writes them) for the query one.

type queueURLOut struct {
	QueueUrl string `json:"QueueUrl" xml:"QueueUrl"`
}

type listQueuesOut struct {
	QueueUrls []string `json:"QueueUrls,omitempty" xml:"QueueUrl"`
	NextToken string   `json:"NextToken,omitempty" xml:"NextToken,omitempty"`
}

type attributesOut struct {
	Attributes attrMap `json:"Attributes,omitempty" xml:"Attribute"`
}

type tagsOut struct {
	Tags tagMap `json:"Tags,omitempty" xml:"Tag"`
}

type sendOut struct {
	MessageId              string `json:"MessageId" xml:"MessageId"`
	MD5OfMessageBody       string `json:"MD5OfMessageBody" xml:"MD5OfMessageBody"`
	MD5OfMessageAttributes string `json:"MD5OfMessageAttributes,omitempty" xml:"MD5OfMessageAttributes,omitempty"`
}

type sendBatchEntryOut struct {
	Id string `json:"Id" xml:"Id"`
	sendOut
}

type batchError struct {
	Id          string `json:"Id" xml:"Id"`
	SenderFault bool   `json:"SenderFault" xml:"SenderFault"`
	Code        string `json:"Code" xml:"Code"`
	Message     string `json:"Message,omitempty" xml:"Message,omitempty"`
}

type sendBatchOut struct {
	Successful []sendBatchEntryOut `json:"Successful" xml:"SendMessageBatchResultEntry"`
	Failed     []batchError        `json:"Failed" xml:"BatchResultErrorEntry"`
}

type idOut struct {
	Id string `json:"Id" xml:"Id"`
}

type deleteBatchOut struct {
	Successful []idOut      `json:"Successful" xml:"DeleteMessageBatchResultEntry"`
	Failed     []batchError `json:"Failed" xml:"BatchResultErrorEntry"`
}

type changeBatchOut struct {
	Successful []idOut      `json:"Successful" xml:"ChangeMessageVisibilityBatchResultEntry"`
	Failed     []batchError `json:"Failed" xml:"BatchResultErrorEntry"`
}

type messageOut struct {
	MessageId              string      `json:"MessageId" xml:"MessageId"`
	ReceiptHandle          string      `json:"ReceiptHandle" xml:"ReceiptHandle"`
	MD5OfBody              string      `json:"MD5OfBody" xml:"MD5OfBody"`
	Body                   string      `json:"Body" xml:"Body"`
	Attributes             attrMap     `json:"Attributes,omitempty" xml:"Attribute"`
	MD5OfMessageAttributes string      `json:"MD5OfMessageAttributes,omitempty" xml:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      msgAttrsOut `json:"MessageAttributes,omitempty" xml:"MessageAttribute"`
}

type receiveOut struct {
	Messages []messageOut `json:"Messages,omitempty" xml:"Message"`
}

// empty is the result of operations that return nothing.
type empty struct{}

// attrMap is a string map, written in XML as flattened
// <Attribute><Name/><Value/></Attribute> elements.
type attrMap map[string]string

func (m attrMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodePairs(e, start, m, "Name", "Value")
}

type tagMap map[string]string

func (m tagMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodePairs(e, start, m, "Key", "Value")
}

func encodePairs(e *xml.Encoder, start xml.StartElement, m map[string]string, k, v string) error {
	for _, name := range sortedKeys(m) {
		pair := []xml.Token{start,
			xml.StartElement{Name: xml.Name{Local: k}}, xml.CharData(name), xml.EndElement{Name: xml.Name{Local: k}},
			xml.StartElement{Name: xml.Name{Local: v}}, xml.CharData(m[name]), xml.EndElement{Name: xml.Name{Local: v}},
			start.End()}
		for _, t := range pair {
			if err := e.EncodeToken(t); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// msgAttrsOut are message attributes, written in XML as
// <MessageAttribute><Name/><Value><StringValue/><DataType/></Value></MessageAttribute>.
type msgAttrsOut map[string]msgAttr

func (m msgAttrsOut) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type value struct {
		StringValue *string `xml:"StringValue,omitempty"`
		BinaryValue string  `xml:"BinaryValue,omitempty"`
		DataType    string  `xml:"DataType"`
	}
	type pair struct {
		Name  string `xml:"Name"`
		Value value  `xml:"Value"`
	}
	for _, name := range sortedKeys(m) {
		a := m[name]
		p := pair{Name: name, Value: value{StringValue: a.StringValue, DataType: a.DataType}}
		if len(a.BinaryValue) > 0 {
			p.Value.BinaryValue = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		if err := e.EncodeElement(p, start); err != nil {
			return err
		}
	}
	return nil
}
