/** Undoes the kernel's octal escapes (\040 for a space) in mountinfo and fstab fields. */
export function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}
