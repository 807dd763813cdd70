/* lua_yaml_config.c - fuzz the configuration loader (lua/smtp/config.lua on
 * core.yaml_load), on the input as the --config file, with no --target and
 * then with one the file may or may not name. */
#include "lib/fuzz.h"
#include "lib/luafuzz.h"

static const char chunk[] =
	"local config = require 'smtp.config'\n"
	"return function(path)\n"
	"  config.load(path)\n"
	"  config.load(path, 'staging')\n"
	"end\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	luafuzz_file_input(chunk, "yaml", data, size);
	return 0;
}
