// Package bottest holds what tests and the load command type as residents.
package bottest

import "fmt"

// Script is a complete intake for resident i, varied so that residents take different
// paths: every relation, NIK or none, every kecamatan, a wrong answer now and then, a
// step back, another contact number for some. 12 to 18 messages, ending with YA.
func Script(i int) []string {
	names := []string{"Siti Aminah", "Budi Santoso", "Nur'aini", "Ahmad Yusuf", "Dewi Lestari", "Hasan Basri"}
	s := []string{"halo", "1"}
	if i%5 == 0 {
		s = append(s, "9") // wrong answer
	}
	s = append(s, fmt.Sprint(1+i%3), names[i%len(names)])
	if i%7 == 0 {
		s = append(s, "KEMBALI", names[(i+1)%len(names)])
	}
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
	if i%3 != 0 { // for a family member or someone else: the filer's own name
		s = append(s, names[(i+2)%len(names)])
	}
	if i%4 == 0 {
		s = append(s, "UBAH 8", fmt.Sprintf("0813%08d", i))
	}
	return append(s, "YA")
}
