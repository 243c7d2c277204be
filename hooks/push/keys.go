package push

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// KeysFile is the file in the data dir that keeps generated VAPID keys.
const KeysFile = "vapid_keys.json"

// Keys is a VAPID key pair, base64url without padding: the public key a
// 65-byte uncompressed P-256 point, the private key its 32-byte scalar.
type Keys struct {
	Public  string `json:"publicKey"`
	Private string `json:"privateKey"`
}

// GenerateKeys makes a new VAPID key pair.
func GenerateKeys() (Keys, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, err
	}
	return Keys{
		Public:  base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(k.Bytes()),
	}, nil
}

// Normalize checks that k is a P-256 pair whose public key is the private
// key's, and returns it in raw base64url (the form the Authorization
// header's k= and the Push API's applicationServerKey take).
func (k Keys) Normalize() (Keys, error) {
	priv, err := decodeKey(k.Private)
	if err != nil || len(priv) != 32 {
		return Keys{}, errors.New("the VAPID private key must be 32 bytes, base64url")
	}
	pub, err := decodeKey(k.Public)
	if err != nil || len(pub) != 65 {
		return Keys{}, errors.New("the VAPID public key must be a 65-byte uncompressed P-256 point, base64url")
	}
	sk, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return Keys{}, fmt.Errorf("the VAPID private key is not a P-256 key: %w", err)
	}
	if string(sk.PublicKey().Bytes()) != string(pub) {
		return Keys{}, errors.New("the VAPID public key does not belong to the private key")
	}
	return Keys{Public: base64.RawURLEncoding.EncodeToString(pub), Private: base64.RawURLEncoding.EncodeToString(priv)}, nil
}

// LoadKeys reads the key pair kept in dataDir.
func LoadKeys(dataDir string) (Keys, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, KeysFile))
	if err != nil {
		return Keys{}, err
	}
	var k Keys
	if err := json.Unmarshal(b, &k); err != nil {
		return Keys{}, fmt.Errorf("failed to read %s: %w", KeysFile, err)
	}
	return k.Normalize()
}

// SaveKeys writes k to dataDir, readable by the owner only; the file is
// replaced atomically, so a crash leaves the old pair or the new one.
func SaveKeys(dataDir string, k Keys) error {
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dataDir, KeysFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dataDir, KeysFile))
}

// LoadOrCreateKeys returns the pair kept in dataDir, generating and saving
// one when there is none yet.
func LoadOrCreateKeys(dataDir string) (Keys, error) {
	k, err := LoadKeys(dataDir)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Keys{}, err
	}
	if k, err = GenerateKeys(); err != nil {
		return Keys{}, err
	}
	if err := SaveKeys(dataDir, k); err != nil {
		return Keys{}, fmt.Errorf("failed to save the VAPID keys: %w", err)
	}
	return k, nil
}

// ParseSubject checks a VAPID subject (a mailto: address or an https: URL)
// and returns it trimmed, as the JWT's sub claim carries it.
func ParseSubject(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "mailto:"):
		addr := strings.TrimPrefix(s, "mailto:")
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr || a.Name != "" {
			return "", fmt.Errorf("the VAPID subject %q is not mailto:<address>", s)
		}
		return s, nil
	case strings.HasPrefix(s, "https:"):
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			return "", fmt.Errorf("the VAPID subject %q is not an https URL", s)
		}
		return s, nil
	}
	return "", fmt.Errorf("the VAPID subject %q must start with mailto: or https:", s)
}
