// Package seal encrypts the personal fields of a case (NIK, names, address,
// description, notes, forwarded texts, message bodies) before they are stored, so that
// a database dump, a backup or a Redis snapshot alone reveals none of them.
//
// Values are sealed with XChaCha20-Poly1305 (authenticated: a value changed in the
// database fails to open rather than read as something else), with a random 24-byte
// nonce per value, which is safe to draw at random for any number of values. Each
// sealed value names the key that sealed it, so keys can be rotated: a Keyring opens
// values of every key it holds and seals with its current one, and a re-encryption pass
// moves old values to it. A NIK also gets a blind index (a keyed HMAC), so that cases of
// one NIK can still be found and counted without storing the NIK in clear.
package seal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// KeySize is the length of a data key: 32 random bytes.
const KeySize = chacha20poly1305.KeySize

// prefix starts every sealed value; the format is prefix, the key's id, ".", and the
// nonce and ciphertext in unpadded URL-safe base64.
const prefix = "s1."

// Errors a caller may decide on.
var (
	// ErrUnknownKey: the value was sealed with a key this keyring does not hold.
	ErrUnknownKey = errors.New("seal: value sealed with an unknown key")
	// ErrCorrupt: the value is not a sealed value, or was changed after sealing.
	ErrCorrupt = errors.New("seal: value corrupt or tampered with")
)

// Keyring seals with its current key and opens with any key it holds.
type Keyring struct {
	current string
	aeads   map[string]cipherAEAD
	index   []byte
	// indexKeys are the old keys' index keys, for Indexes.
	indexKeys [][]byte
}

// cipherAEAD is the part of cipher.AEAD used here.
type cipherAEAD interface {
	NonceSize() int
	Overhead() int
	Seal(dst, nonce, plaintext, additionalData []byte) []byte
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}

// New makes a keyring sealing with current and opening with current and old.
func New(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipherAEAD{}}
	for i, key := range append([][]byte{current}, old...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal: a data key is %d bytes, got %d", KeySize, len(key))
		}
		aead, err := chacha20poly1305.NewX(key)
		if err != nil {
			return nil, err
		}
		id := KeyID(key)
		k.aeads[id] = aead
		if i == 0 {
			k.current = id
		}
	}
	// The index key is derived from the current key, apart from the sealing keys: the
	// same NIK always gives the same index under one key.
	var err error
	if k.index, err = indexKey(current); err != nil {
		return nil, err
	}
	for _, key := range old {
		ik, err := indexKey(key)
		if err != nil {
			return nil, err
		}
		k.indexKeys = append(k.indexKeys, ik)
	}
	return k, nil
}

func indexKey(key []byte) ([]byte, error) {
	ik := make([]byte, 32)
	_, err := io.ReadFull(hkdf.New(sha256.New, key, nil, []byte("silakso nik index")), ik)
	return ik, err
}

// KeyID names a key without revealing it: the first 8 hex digits of its SHA-256.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// NewKey draws a fresh data key.
func NewKey() ([]byte, error) {
	key := make([]byte, KeySize)
	_, err := rand.Read(key)
	return key, err
}

// Current is the id of the key values are sealed with ("" for a nil keyring).
func (k *Keyring) Current() string {
	if k == nil {
		return ""
	}
	return k.current
}

// Seal encrypts plain; the empty string stays empty (nothing to hide, and "is there a
// NIK" stays a plain question). A nil keyring stores values as given (stores opened
// without a key: tests of other packages).
func (k *Keyring) Seal(plain string) string {
	if plain == "" || k == nil {
		return plain
	}
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("seal: no randomness: " + err.Error()) // the system's random source is broken
	}
	sealed := aead.Seal(nonce, nonce, []byte(plain), []byte(k.current))
	return prefix + k.current + "." + base64.RawURLEncoding.EncodeToString(sealed)
}

// Open decrypts a value Seal made with any key of the keyring. A value that is not
// sealed (the empty string, data stored before a key was configured) opens to itself,
// so that a database is readable while it is being re-encrypted; a nil keyring opens
// only those.
func (k *Keyring) Open(sealed string) (string, error) {
	id, isSealed := IsSealed(sealed)
	switch {
	case !isSealed:
		return sealed, nil
	case k == nil:
		return "", fmt.Errorf("%w (key %s; no key configured)", ErrUnknownKey, id)
	}
	rest, ok := strings.CutPrefix(sealed, prefix)
	id, body, found := strings.Cut(rest, ".")
	if !ok || !found {
		return "", ErrCorrupt
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w (key %s)", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", ErrCorrupt
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}

// IsSealed reports whether s is a sealed value (and which key sealed it): the prefix,
// eight hex digits and a dot, so that a resident's "s1.5 kg beras. habis" is text.
func IsSealed(s string) (keyID string, ok bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	id, _, found := strings.Cut(rest, ".")
	if !found || len(id) != 8 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", false
	}
	return id, true
}

// Indexes are a NIK's blind index under every key of the keyring, the current key's
// first: after a change of key, cases not yet re-sealed are still found.
func (k *Keyring) Indexes(nik string) []string {
	if nik == "" || k == nil {
		return nil
	}
	out := []string{k.Index(nik)}
	for _, key := range k.indexKeys {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(nik))
		out = append(out, hex.EncodeToString(mac.Sum(nil)))
	}
	return out
}

// Index is the blind index of a NIK: equal NIKs give equal indexes under one keyring,
// and the index alone does not give the NIK back without the key. "" stays "".
func (k *Keyring) Index(nik string) string {
	if nik == "" || k == nil {
		return ""
	}
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte(nik))
	return hex.EncodeToString(mac.Sum(nil))
}

// SealAll seals each of fields in place.
func (k *Keyring) SealAll(fields ...*string) {
	for _, f := range fields {
		*f = k.Seal(*f)
	}
}

// OpenAll opens each of fields in place, stopping at the first that cannot be opened.
func (k *Keyring) OpenAll(fields ...*string) error {
	for _, f := range fields {
		v, err := k.Open(*f)
		if err != nil {
			return err
		}
		*f = v
	}
	return nil
}

// Stale reports whether any of values is not sealed under the current key (stored in
// clear, or under an older key); empty values never are.
func (k *Keyring) Stale(values ...string) bool {
	for _, v := range values {
		if id, ok := IsSealed(v); v != "" && (!ok || id != k.Current()) {
			return true
		}
	}
	return false
}

// Reseal opens values and seals them again under the current key, returning the
// sealed values and the opened ones.
func (k *Keyring) Reseal(values []string) (sealed, plain []string, err error) {
	for _, v := range values {
		p, err := k.Open(v)
		if err != nil {
			return nil, nil, err
		}
		plain, sealed = append(plain, p), append(sealed, k.Seal(p))
	}
	return sealed, plain, nil
}
