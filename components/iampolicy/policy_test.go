package iampolicy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONIsCompactSortedAndWritesSingleValuesAsStrings(t *testing.T) {
	doc := New(Statement{
		Effect:    Allow,
		Principal: &Principal{Service: Values{"pods.eks.amazonaws.com"}},
		Action:    Values{"sts:AssumeRole", "sts:TagSession"},
		Condition: Conditions{"StringEquals": {"b": {"2"}, "a": {"1"}}},
	})
	text, err := doc.JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"a":"1","b":"2"}}}]}`, text)
	for i := 0; i < 20; i++ {
		again, err := doc.JSON()
		require.NoError(t, err)
		require.Equal(t, text, again, "map order must not leak into the policy")
	}
}

func TestParseRoundTripsAndAcceptsBothValueForms(t *testing.T) {
	doc, err := Parse(`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::a","arn:aws:s3:::b"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	require.NoError(t, err)
	s := doc.Statement[0]
	assert.Equal(t, Deny, s.Effect)
	assert.Equal(t, Values{"*"}, s.Principal.AWS)
	assert.Equal(t, []string{"*"}, s.Principal.All())
	assert.Equal(t, Values{"s3:*"}, s.Action)
	assert.Equal(t, Values{"arn:aws:s3:::a", "arn:aws:s3:::b"}, s.Resource)
	assert.Equal(t, Values{"false"}, s.Condition["Bool"]["aws:SecureTransport"])
}

func TestTheWildcardPrincipalIsWrittenBare(t *testing.T) {
	text, err := New(Statement{Effect: Deny, Principal: &Principal{AWS: Values{"*"}}, Action: Values{"sts:TagSession"}, Resource: Values{"*"}}).JSON()
	require.NoError(t, err)
	assert.Equal(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:TagSession","Resource":"*"}]}`, text,
		"as a resource control policy requires")
	back, err := Parse(text)
	require.NoError(t, err)
	assert.Equal(t, Values{"*"}, back.Statement[0].Principal.AWS)
	text, err = New(Statement{Effect: Allow, Principal: &Principal{AWS: Values{"*", "arn:aws:iam::111122223333:root"}}, Action: Values{"sts:AssumeRole"}}).JSON()
	require.NoError(t, err)
	assert.Contains(t, text, `"Principal":{"AWS":["*","arn:aws:iam::111122223333:root"]}`)
}

func TestParseRejectsMalformedDocuments(t *testing.T) {
	cases := map[string]string{
		`{"Version":"2012-10-17","Statement":[`:                                                      "is not a valid policy document",
		`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`:                  `has Version "2008-10-17", want "2012-10-17"`,
		`{"Version":"2012-10-17","Statement":[]}`:                                                    "has no statements",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"s3:*"}]}`:                   `statement 0 has Effect "Alow"`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}`:                                  "statement 0 has no Action",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Extra":1}]}`:        "unknown field",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Principal":"me"}]}`: `a bare string principal must be "*"`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]} {}`:               "trailing data",
	}
	for text, want := range cases {
		_, err := Parse(text)
		require.Error(t, err, text)
		assert.Contains(t, err.Error(), want)
	}
}

func TestSizeIgnoresWhitespace(t *testing.T) {
	assert.Equal(t, 7, Size("{ \"a\" :\n\t1 }"))
	assert.NoError(t, CheckSize("x", strings.Repeat("a", 10), 10))
	assert.EqualError(t, CheckSize("a role trust policy", strings.Repeat("a", 11), 10), "is 11 characters, over IAM's 10-character limit for a role trust policy")
}

func TestAWrittenPolicyMayBeAStringOrAnObjectAndKeepsItsProblem(t *testing.T) {
	var w Written
	require.NoError(t, json.Unmarshal([]byte(`{ "Version": "2012-10-17",  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}] }`), &w))
	assert.Equal(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, w.Text)
	require.NoError(t, w.Err)
	assert.Equal(t, Values{"s3:GetObject"}, w.Document.Statement[0].Action)

	require.NoError(t, json.Unmarshal([]byte(`"{}"`), &w), "a string that is no policy still decodes")
	assert.Equal(t, `{}`, w.Text)
	assert.ErrorContains(t, w.Err, `has Version ""`)

	assert.Error(t, json.Unmarshal([]byte(`42`), &w))

	text, err := json.Marshal(Write(`{"Version":"2012-10-17"}`))
	require.NoError(t, err)
	assert.Equal(t, `"{\"Version\":\"2012-10-17\"}"`, string(text), "written back as the string it was")
}
