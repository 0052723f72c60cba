package vend

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// On a terminal, each stack's line is followed by a count of the stacks
// done, running, failed and waiting, erased before the next line and
// ended with the run; elsewhere (a file, a pipe) only the lines are
// written.
func TestProgressCountsOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, tty: true, states: map[string]stackState{}}
	p.expect([]string{"a", "b", "c"})
	p.mark("a", running)
	p.say("a", "creating")
	p.mark("a", finished)
	p.mark("b", running)
	p.say("b", "updating")
	p.mark("b", failed)
	p.say("b", "failed after 1s")
	p.end()
	assert.Equal(t, "a                        creating\n"+"0 done, 1 running, 0 failed, 2 waiting"+
		"\r\033[K"+"b                        updating\n"+"1 done, 1 running, 0 failed, 1 waiting"+
		"\r\033[K"+"b                        failed after 1s\n"+"1 done, 0 running, 1 failed, 1 waiting"+"\n", out.String())

	out.Reset()
	p = newProgress(&out)
	p.expect([]string{"a"})
	p.mark("a", running)
	p.say("a", "creating")
	p.end()
	assert.Equal(t, "a                        creating\n", out.String(), "a buffer is no terminal")
	assert.False(t, strings.Contains(out.String(), "waiting"))
}
