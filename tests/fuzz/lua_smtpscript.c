/* lua_smtpscript.c - fuzz the smtpscript reader (lua/smtp/smtpscript/:
 * lexer, parser, macros, includes) on the input as a .smtp file; compiling
 * runs nothing. `include` reaches only the input's own directory (this
 * process's scratch directory), as for any .smtp file. */
#include "lib/fuzz.h"
#include "lib/luafuzz.h"

static const char chunk[] =
	"local ss = require 'smtp.smtpscript'\n"
	"return function(path) ss.compile(path) end\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	luafuzz_file_input(chunk, "smtp", data, size);
	return 0;
}
