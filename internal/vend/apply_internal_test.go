package vend

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A checkpoint read while another vend writes it is waited out like the
// engine's concurrent-update error; other errors are not.
func TestAnotherVendIsWriting(t *testing.T) {
	assert.True(t, anotherVendIsWriting(errors.New("unable to set tag: exit status 1\nstderr: error: failed to load checkpoint: EOF")))
	assert.False(t, anotherVendIsWriting(errors.New("EntityAlreadyExists")))
	assert.False(t, anotherVendIsWriting(nil))
}
