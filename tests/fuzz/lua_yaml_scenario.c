/* lua_yaml_scenario.c - fuzz the YAML scenario loader: core.yaml_load
 * (binding/lyaml.c, libyaml) and the compiler of lua/smtp/yamlscenario.lua,
 * on the input as a .yaml file. Compiling runs nothing (lua: steps are
 * compiled, not run). */
#include "lib/fuzz.h"
#include "lib/luafuzz.h"

static const char chunk[] =
	"local ys = require 'smtp.yamlscenario'\n"
	"return function(path) ys.compile(path) end\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	luafuzz_file_input(chunk, "yaml", data, size);
	return 0;
}
