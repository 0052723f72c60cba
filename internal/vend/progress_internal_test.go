package vend

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

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

// An apply's last line counts its stacks by action and failure, and gives
// its time, the lock's, a stack's up (median and longest) and
// vend's memory.
func TestFiguresCountEveryStackOnce(t *testing.T) {
	results := []Result{
		{Stack: "a", Action: Create}, {Stack: "b", Action: Update, Err: errors.New("boom")},
		{Stack: "c", Action: Unchanged}, {Stack: "d", Action: Unchanged}, {Stack: "e", Action: Keep},
	}
	line := figuresLine(results, 61*time.Second+440*time.Millisecond, 2*time.Second+4*time.Millisecond,
		[]time.Duration{30 * time.Second, 10 * time.Second, 20 * time.Second}, 48<<20)
	assert.Equal(t, "5 stacks (1 create, 1 update, 2 unchanged, 0 retire, 1 keep; 1 failed) in 1m1.4s; lock 2s; "+
		"a stack's up 20s median, 30s longest; memory 48 MiB", line)
	assert.Equal(t, "0 stacks (0 create, 0 update, 0 unchanged, 0 retire, 0 keep; 0 failed) in 120ms; lock 0s; memory 1 MiB",
		figuresLine(nil, 123*time.Millisecond, 0, nil, 1<<20), "a no-op ran no engine; under ten seconds, hundredths")
}
