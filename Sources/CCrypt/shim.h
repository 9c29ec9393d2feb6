#ifndef POP3D_CCRYPT_SHIM_H
#define POP3D_CCRYPT_SHIM_H
// libcrypt (libxcrypt): crypt_r verifies the SHA-crypt and bcrypt hashes of imported Dovecot passwd-files.
#include <crypt.h>
#endif
