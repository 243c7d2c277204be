package text

// stopWords are folded English and French words too common to tell one
// offer from another; single letters are stop words too (French elisions
// leave "l", "d", "j", ... behind), but not single digits.
var stopWords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range []string{
		// English
		"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in", "into", "is",
		"it", "its", "of", "on", "or", "our", "so", "than", "that", "the", "their", "them", "then", "there",
		"these", "they", "this", "those", "to", "too", "very", "was", "we", "were", "what", "which", "who", "will",
		"with", "you", "your", "my", "me", "i", "am", "any", "some", "all", "can", "do", "does", "if", "not", "no",
		// French
		"au", "aux", "avec", "ce", "ces", "cet", "cette", "dans", "de", "des", "du", "elle", "en", "et", "eux",
		"il", "ils", "je", "la", "le", "les", "leur", "leurs", "lui", "ma", "mais", "me", "mes", "moi", "mon",
		"ne", "nos", "notre", "nous", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa", "se", "ses", "son",
		"sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "est", "sont", "sans",
		"tres", "plus", "chez",
	} {
		m[w] = struct{}{}
	}
	return m
}()

// IsStopWord reports whether a folded word carries no meaning for matching.
func IsStopWord(w string) bool {
	if len(w) == 1 {
		return w[0] < '0' || w[0] > '9'
	}
	_, ok := stopWords[w]
	return ok
}
