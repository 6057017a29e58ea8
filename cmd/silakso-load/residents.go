package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// newRunID tags this run's message ids and phone numbers, so that its cases can be
// counted apart from earlier runs.
func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// messageSID is a Twilio-shaped id (SM + 32 hex digits) carrying the run, the resident
// and the message number.
func messageSID(run string, resident, k int) string {
	return fmt.Sprintf("SM%s%016x%08x", run, resident, k)
}

// phone gives each resident of a run their own number: +62 899 then 9 digits.
func phone(run string, resident int) string {
	var n uint32
	fmt.Sscanf(run[:4], "%x", &n)
	return fmt.Sprintf("+62899%04d%05d", n%10000, resident%100000)
}

// script is a complete intake, varied by resident: every relation, NIK or none, every
// kecamatan, a wrong answer now and then, another contact number for some. 13 to 15
// messages, all answered in Bahasa Indonesia.
func script(i int) []string {
	names := []string{"Siti Aminah", "Budi Santoso", "Nur'aini", "Ahmad Yusuf", "Dewi Lestari", "Hasan Basri"}
	s := []string{"halo", "1"}
	if i%5 == 0 {
		s = append(s, "9")
	}
	s = append(s, fmt.Sprint(1+i%3), names[i%len(names)])
	if i%10 == 0 {
		s = append(s, "0")
	} else {
		day := 1 + i%28
		if i%2 == 1 {
			day += 40
		}
		s = append(s, fmt.Sprintf("190401%02d%02d%02d%04d", day, 1+i%12, i%100, 1+i%9999))
	}
	s = append(s, fmt.Sprint(1+i%6), fmt.Sprint(1+i%8), fmt.Sprintf("RT %02d Dusun %d", 1+i%20, 1+i%4),
		fmt.Sprint(1+i%10), fmt.Sprintf("Keluarga nomor %d butuh bantuan segera.", i))
	if i%4 == 0 {
		s = append(s, "2", fmt.Sprintf("0813%08d", i))
	} else {
		s = append(s, "1")
	}
	return append(s, "YA")
}
