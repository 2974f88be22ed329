#ifndef PODLAB_CCRYPT_SHIM_H
#define PODLAB_CCRYPT_SHIM_H
// libxcrypt (Debian's libcrypt): bcrypt ($2y$/$2b$) for htpasswd files, as `htpasswd -B` writes them.
#include <crypt.h>
#endif
