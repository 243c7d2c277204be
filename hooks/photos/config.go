package photos

import (
	"errors"
	"runtime"
)

// Config of the photos capability. Zero fields take their defaults.
type Config struct {
	// MaxPixels is the largest width×height accepted, checked from the
	// header before anything is decoded. Default 40,000,000 (a 48 MP
	// phone sensor bins to 12 MP; 40 MP leaves room for DSLR files).
	MaxPixels int
	// MaxSide is the longest side of the stored original. Default 2560.
	MaxSide int
	// Workers is the size of the bounded pool thumbnail work runs on.
	// Default runtime.NumCPU().
	Workers int
	// JPEGQuality is the quality of the stored original and its thumbs.
	// Default 85: at photo sizes it is where artefacts stop being visible
	// while files are about half the size of PocketBase's 95.
	JPEGQuality int
}

// Defaults of Config.
const (
	DefaultMaxPixels   = 40_000_000
	DefaultMaxSide     = 2560
	DefaultJPEGQuality = 85
)

// DefaultConfig returns the configuration used when none is given.
func DefaultConfig() Config {
	return Config{}.WithDefaults()
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.MaxPixels == 0 {
		c.MaxPixels = DefaultMaxPixels
	}
	if c.MaxSide == 0 {
		c.MaxSide = DefaultMaxSide
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.JPEGQuality == 0 {
		c.JPEGQuality = DefaultJPEGQuality
	}
	return c
}

// Validate reports a configuration that cannot work, after defaults.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	if c.MaxPixels < 1 {
		errs = append(errs, errors.New("photos: MaxPixels must be positive"))
	}
	if c.MaxSide < 1 || c.MaxSide >= 1<<16 {
		errs = append(errs, errors.New("photos: MaxSide must be between 1 and 65535"))
	}
	if c.Workers < 1 {
		errs = append(errs, errors.New("photos: Workers must be positive"))
	}
	if c.JPEGQuality < 1 || c.JPEGQuality > 100 {
		errs = append(errs, errors.New("photos: JPEGQuality must be between 1 and 100"))
	}
	return errors.Join(errs...)
}
