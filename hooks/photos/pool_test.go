package photos

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolBoundsConcurrency(t *testing.T) {
	t.Parallel()
	const workers = 3
	p := NewPool(workers, 100)
	defer p.Close()
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.Do(context.Background(), func() error {
				n := running.Add(1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				running.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := peak.Load(); got != workers {
		t.Errorf("peak concurrency = %d, want %d", got, workers)
	}
}

func TestPoolDoReturnsErrorsAndPanics(t *testing.T) {
	t.Parallel()
	p := NewPool(1, 0)
	defer p.Close()
	want := errors.New("boom")
	if err := p.Do(context.Background(), func() error { return want }); !errors.Is(err, want) {
		t.Errorf("Do() = %v, want %v", err, want)
	}
	err := p.Do(context.Background(), func() error { panic("decoder bug") })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "decoder bug" {
		t.Errorf("Do() = %v, want a *PanicError", err)
	}
	// the worker survived the panic
	if err := p.Do(context.Background(), func() error { return nil }); err != nil {
		t.Errorf("Do() after a panic = %v", err)
	}
}

func TestPoolSubmitWaitsForRoomUntilContextEnds(t *testing.T) {
	t.Parallel()
	p := NewPool(1, 1)
	release := make(chan struct{})
	started := make(chan struct{})
	if _, err := p.Submit(context.Background(), func() error { close(started); <-release; return nil }); err != nil {
		t.Fatal(err)
	}
	<-started
	// the worker is busy and this fills the queue
	queued, err := p.Submit(context.Background(), func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.Submit(ctx, func() error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Submit() on a full queue = %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := <-queued; err != nil {
		t.Errorf("queued job: %v", err)
	}
	p.Close()
}

func TestPoolCloseRunsQueuedJobsAndRefusesNewOnes(t *testing.T) {
	t.Parallel()
	p := NewPool(2, 50)
	var ran atomic.Int32
	for range 20 {
		if _, err := p.Submit(context.Background(), func() error {
			time.Sleep(time.Millisecond)
			ran.Add(1)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if got := ran.Load(); got != 20 {
		t.Errorf("%d of 20 queued jobs ran before Close returned", got)
	}
	if _, err := p.Submit(context.Background(), func() error { return nil }); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Submit() after Close = %v, want ErrPoolClosed", err)
	}
	if err := p.Do(context.Background(), func() error { return nil }); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Do() after Close = %v, want ErrPoolClosed", err)
	}
	p.Close() // a second Close is harmless
}

func TestPoolCloseReleasesBlockedSubmit(t *testing.T) {
	t.Parallel()
	p := NewPool(1, 0)
	release := make(chan struct{})
	started := make(chan struct{})
	if _, err := p.Submit(context.Background(), func() error { close(started); <-release; return nil }); err != nil {
		t.Fatal(err)
	}
	<-started
	blocked := make(chan error)
	go func() {
		_, err := p.Submit(context.Background(), func() error { return nil })
		blocked <- err
	}()
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case err := <-blocked:
		if !errors.Is(err, ErrPoolClosed) {
			t.Errorf("blocked Submit() = %v, want ErrPoolClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not release a blocked Submit")
	}
	close(release)
	<-closed
}

func TestPoolDoHonoursContextWhileRunning(t *testing.T) {
	t.Parallel()
	p := NewPool(1, 0)
	defer p.Close()
	release := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(5 * time.Millisecond); cancel() }()
	if err := p.Do(ctx, func() error { <-release; return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Do() = %v, want Canceled", err)
	}
	close(release)
}
