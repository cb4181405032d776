/* ProcessPrng, for Wine 8.0 (Debian 12's), which lacks bcryptprimitives.dll: Rust's
 * standard library draws its random numbers from it since Rust 1.78, and without it no
 * Rust program starts there. Windows 10 and later have the DLL; Wine has it from 9.0.
 * This one asks the system's RNG through BCryptGenRandom, which Wine 8.0 implements.
 * tests/windows/run.sh builds it into the test prefix only; nothing ships with it. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  return BCryptGenRandom(NULL, data, (ULONG)length, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}
