package plan

import (
	"time"

	"github.com/eks-multi-account/eks-multi-account/internal/mockengine"
)

// watch calls progress with the engine's resource count every tenth of a
// second until the returned stop is called. Without progress it does
// nothing.
func watch(e *mockengine.Engine, progress func(int)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				progress(e.Count())
				return
			case <-tick.C:
				progress(e.Count())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
