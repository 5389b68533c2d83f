/* version.h - infraexec's version string, for --version and for what must
 * change when infraexec does (the Lua bytecode cache's key, luacache.h). */
#ifndef INFRAEXEC_VERSION_H
#define INFRAEXEC_VERSION_H

#define IX_VERSION "0.1.0"

#endif
