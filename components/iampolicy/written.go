package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Written is a policy as its author wrote it, parsed once: the text and,
// when it is a valid document, the document. In a stack file it is a JSON
// string or the policy written as a YAML object. The checks report Err at
// the key that set it; the components build from Document, never from the
// text again.
type Written struct {
	// Text is the policy's JSON text as written (an object compacted).
	Text string
	// Document is the parsed policy; valid only when Err is nil.
	Document Document
	// Err is why the text is not a policy document, nil when it is.
	Err error
}

// Write parses a policy's JSON text.
func Write(text string) *Written {
	doc, err := Parse(text)
	return &Written{Text: text, Document: doc, Err: err}
}

// UnmarshalJSON accepts a JSON string holding the policy, or the policy
// as an object. A value that is a string or an object but no policy
// document decodes: its problem is Err, for the checks to report where it
// was set.
func (w *Written) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err == nil {
		*w = *Write(text)
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("policy must be a JSON string or an object")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return err
	}
	*w = *Write(compact.String())
	return nil
}

// MarshalJSON writes the policy as the JSON string of its text, as a stack
// file may hold it.
func (w Written) MarshalJSON() ([]byte, error) { return json.Marshal(w.Text) }
