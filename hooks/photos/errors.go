package photos

import (
	"errors"
	"fmt"
)

// The kinds of rejection. Every error Guard returns, and every error
// Process returns for bad content, is an *Error that wraps one of these,
// so errors.Is(err, ErrTooLarge) works on it.
var (
	ErrEmpty        = errors.New("empty file")
	ErrNotImage     = errors.New("not an image")
	ErrUnsupported  = errors.New("unsupported image format")
	ErrNameMismatch = errors.New("content does not match the file name")
	ErrDimensions   = errors.New("invalid image dimensions")
	ErrTooLarge     = errors.New("image has too many pixels")
	ErrCorrupt      = errors.New("corrupt or truncated image")
)

// Error is the rejection of an uploaded file, with a reason a person can
// read. A hook turns it into a field-level 400:
//
//	var pe *photos.Error
//	if errors.As(err, &pe) {
//		return validation.Errors{field: validation.NewError(pe.Code(), pe.Error())}
//	}
type Error struct {
	// Kind is one of the Err... sentinels.
	Kind error
	// Reason is the message shown to the user, such as
	// "image is 50000x50000, over the 40 MP limit".
	Reason string
	// Err is the decoder's own error, when there is one.
	Err error
}

func reject(kind error, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: fmt.Sprintf(format, args...), Err: cause}
}

// Error returns the reason.
func (e *Error) Error() string { return e.Reason }

// Unwrap returns the kind and the decoder's error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Code returns a stable validation code for the kind, in PocketBase's
// "validation_..." style, for clients that translate messages.
func (e *Error) Code() string {
	switch e.Kind {
	case ErrEmpty:
		return "validation_image_empty"
	case ErrNotImage:
		return "validation_not_an_image"
	case ErrUnsupported:
		return "validation_image_unsupported_format"
	case ErrNameMismatch:
		return "validation_image_name_mismatch"
	case ErrDimensions:
		return "validation_image_invalid_dimensions"
	case ErrTooLarge:
		return "validation_image_too_large"
	case ErrCorrupt:
		return "validation_image_corrupt"
	}
	return "validation_invalid_image"
}
