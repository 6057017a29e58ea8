package seal_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dinsospmd-bateng/silakso/store/seal"
)

func key(t testing.TB, b byte) []byte {
	t.Helper()
	return bytes.Repeat([]byte{b}, seal.KeySize)
}

func TestRoundTrip(t *testing.T) {
	k, err := seal.New(key(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"1904014507850001", "Siti Aminah", "Suami sakit, beras habis. Ünïcode 🙏", strings.Repeat("x", 4096)} {
		sealed := k.Seal(plain)
		if strings.Contains(sealed, plain) || sealed == plain {
			t.Fatalf("%q sealed in clear: %q", plain, sealed)
		}
		if id, ok := seal.IsSealed(sealed); !ok || id != k.Current() {
			t.Fatalf("IsSealed(%q) = %q, %v", sealed, id, ok)
		}
		got, err := k.Open(sealed)
		if err != nil || got != plain {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
		if again := k.Seal(plain); again == sealed {
			t.Fatal("two seals of one value are equal: the nonce repeats")
		}
	}
	if k.Seal("") != "" {
		t.Fatal("the empty string is sealed")
	}
	if got, err := k.Open(""); got != "" || err != nil {
		t.Fatalf("Open(\"\") = %q, %v", got, err)
	}
}

// A value changed in the database does not open as something else.
func TestTamperedValueFails(t *testing.T) {
	k, _ := seal.New(key(t, 1))
	sealed := k.Seal("1904014507850001")
	mid := len(sealed) / 2 // a character in the middle carries six whole bits
	flipped := sealed[:mid] + map[bool]string{true: "B", false: "A"}[sealed[mid] == 'A'] + sealed[mid+1:]
	for _, bad := range []string{
		flipped,
		sealed[:len(sealed)-4],
		"s1." + k.Current() + ".!!!",
	} {
		if _, err := k.Open(bad); !errors.Is(err, seal.ErrCorrupt) {
			t.Errorf("Open(%q) = %v, want ErrCorrupt", bad, err)
		}
	}
	// The key id is authenticated too: a value cannot be passed off as another key's.
	other, _ := seal.New(key(t, 2), key(t, 1))
	swapped := strings.Replace(sealed, k.Current(), other.Current(), 1)
	if _, err := other.Open(swapped); !errors.Is(err, seal.ErrCorrupt) {
		t.Errorf("a value relabelled with another key id: %v", err)
	}
}

// Keys rotate: a keyring with the new key current and the old one kept opens both, and
// seals with the new one; without the old key, old values name the key they need.
func TestRotation(t *testing.T) {
	old, _ := seal.New(key(t, 1))
	sealedOld := old.Seal("Siti Aminah")
	rotated, err := seal.New(key(t, 2), key(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld); err != nil || got != "Siti Aminah" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	if id, _ := seal.IsSealed(rotated.Seal("x")); id != seal.KeyID(key(t, 2)) || id == old.Current() {
		t.Fatalf("sealed with %s, want the new key", id)
	}
	onlyNew, _ := seal.New(key(t, 2))
	if _, err := onlyNew.Open(sealedOld); !errors.Is(err, seal.ErrUnknownKey) || !strings.Contains(err.Error(), old.Current()) {
		t.Fatalf("old value without the old key: %v", err)
	}
}

func TestBlindIndex(t *testing.T) {
	a, _ := seal.New(key(t, 1))
	b, _ := seal.New(key(t, 2))
	nik := "1904014507850001"
	if a.Index(nik) != a.Index(nik) || a.Index(nik) == a.Index("1904014507850002") {
		t.Fatal("the index is not a function of the NIK")
	}
	if a.Index(nik) == b.Index(nik) || strings.Contains(a.Index(nik), nik) {
		t.Fatal("the index does not depend on the key")
	}
	if a.Index("") != "" {
		t.Fatal("an empty NIK has an index")
	}
}

func TestKeySize(t *testing.T) {
	if _, err := seal.New([]byte("short")); err == nil {
		t.Fatal("a 5-byte key was taken")
	}
	k, err := seal.NewKey()
	if err != nil || len(k) != seal.KeySize || bytes.Equal(k, make([]byte, seal.KeySize)) {
		t.Fatalf("NewKey = %x, %v", k, err)
	}
}

// BenchmarkSealOpen is what one personal field costs to seal and open: a description of
// 500 characters, the longest the intake takes.
func BenchmarkSealOpen(b *testing.B) {
	k, _ := seal.New(key(b, 1))
	text := strings.Repeat("Suami sakit, beras habis. ", 20)[:500]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(k.Seal(text)); err != nil {
			b.Fatal(err)
		}
	}
}

// A value stored before a key was configured opens as it is; a keyring-less store keeps
// values as given and refuses sealed ones it cannot open.
func TestUnsealedAndNil(t *testing.T) {
	k, _ := seal.New(key(t, 1))
	if got, err := k.Open("Siti Aminah"); got != "Siti Aminah" || err != nil {
		t.Fatalf("plain value: %q, %v", got, err)
	}
	var none *seal.Keyring
	if none.Seal("x") != "x" || none.Index("1904014507850001") != "" {
		t.Fatal("a nil keyring changed a value")
	}
	if _, err := none.Open(k.Seal("x")); !errors.Is(err, seal.ErrUnknownKey) {
		t.Fatalf("a sealed value without a key: %v", err)
	}
}
