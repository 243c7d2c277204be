package threads

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AttachmentPreview is the preview of a message that has files and no text.
const AttachmentPreview = "📎 Attachment"

// RetractedPreview is the preview of a thread whose last message was retracted.
const RetractedPreview = "Message retracted"

// Preview returns the one-line preview of a message shown in thread lists:
// white space folded, control characters dropped, cut at max runes on a word
// boundary where one is near, with an ellipsis when cut.
func Preview(body string, hasAttachments bool, max int) string {
	var b strings.Builder
	space := false
	for _, r := range body {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if s == "" {
		if hasAttachments {
			return AttachmentPreview
		}
		return ""
	}
	if max <= 1 || utf8.RuneCountInString(s) <= max {
		return s
	}

	runes := []rune(s)[:max-1]
	// prefer a word boundary in the last third of the cut
	for i := len(runes) - 1; i >= len(runes)*2/3; i-- {
		if runes[i] == ' ' {
			runes = runes[:i]
			break
		}
	}
	return strings.TrimRight(string(runes), " ") + "…"
}
