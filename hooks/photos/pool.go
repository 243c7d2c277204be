package photos

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// ErrPoolClosed is returned for work submitted to a closed Pool.
var ErrPoolClosed = errors.New("photos: pool is closed")

// Pool runs jobs on a fixed number of goroutines, so that a burst of
// uploads queues instead of decoding every photo at once (a 12 MP photo
// in flight holds about 32 MiB, a HEIC far more). The zero value is not
// usable: use NewPool.
type Pool struct {
	jobs chan func()
	quit chan struct{}
	// mu orders Close after every Submit that is sending: Submit holds it
	// for reading, Close takes it for writing before closing jobs.
	mu        sync.RWMutex
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// NewPool starts workers goroutines (runtime.NumCPU() if workers is not
// positive, as Config.Workers defaults) and a queue that holds up to queue
// waiting jobs; Submit blocks while it is full.
func NewPool(workers, queue int) *Pool {
	p := &Pool{
		jobs: make(chan func(), max(queue, 0)),
		quit: make(chan struct{}),
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	p.wg.Add(workers)
	for range workers {
		go func() {
			defer p.wg.Done()
			for job := range p.jobs {
				job()
			}
		}()
	}
	return p
}

// PanicError is the error of a job that panicked.
type PanicError struct {
	Value any
}

// Error describes the panic.
func (e *PanicError) Error() string { return fmt.Sprintf("photos: job panicked: %v", e.Value) }

// Submit queues fn and returns at once with a channel that receives fn's
// error (a *PanicError if it panicked) when it has run. It blocks while the
// queue is full, until ctx is done (ctx.Err()) or the pool closes
// (ErrPoolClosed). The channel is buffered: nobody has to read it.
func (p *Pool) Submit(ctx context.Context, fn func() error) (<-chan error, error) {
	done := make(chan error, 1)
	job := func() {
		defer func() {
			if r := recover(); r != nil {
				done <- &PanicError{Value: r}
			}
		}()
		done <- fn()
	}

	p.mu.RLock()
	defer p.mu.RUnlock()
	select {
	case <-p.quit:
		return nil, ErrPoolClosed
	default:
	}
	select {
	case p.jobs <- job:
		return done, nil
	case <-p.quit:
		return nil, ErrPoolClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Do runs fn on the pool and waits for it. If ctx is done first it returns
// ctx.Err(); fn, once started, still runs to its end.
func (p *Pool) Do(ctx context.Context, fn func() error) error {
	done, err := p.Submit(ctx, fn)
	if err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking jobs, runs those already queued and waits for them.
// Submit calls blocked on a full queue return ErrPoolClosed. Close may be
// called more than once.
func (p *Pool) Close() {
	p.closeOnce.Do(func() {
		close(p.quit)
		p.mu.Lock()
		close(p.jobs)
		p.mu.Unlock()
	})
	p.wg.Wait()
}
