/* lua_server.c - fuzz the server role (lua/smtp/server.lua) as a client
 * would: every command handler and each server-side SASL step (LOGIN and
 * PLAIN responses, CRAM-MD5 answers, XOAUTH2/OAUTHBEARER payloads, SCRAM
 * client-first and client-final through core.scram), on a fake connection
 * whose client sends the input's lines. Replies go through the real
 * core.format_reply. The command split follows core/cmdread.c, fuzzed on
 * its own (cmdread.c). */
#include "lib/fuzz.h"
#include "lib/luafuzz.h"

static const char chunk[] =
	"local server = require 'smtp.server'\n"
	"local core = require 'smtprun.core'\n"
	"local AUTH = { 'LOGIN', 'PLAIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER',\n"
	"  'SCRAM-SHA-1', 'SCRAM-SHA-256' }\n"
	"return function(input)\n"
	"  local srv = server.new{ auth = AUTH, max_size = 200,\n"
	"    users = { ['alice@example.test'] = 'wonderland', user = 'pencil' },\n"
	"    tokens = { ['alice@example.test'] = 'tok' },\n"
	"    local_domains = { 'example.test' } }\n"
	"  local lines, i, closed = {}, 0, false\n"
	"  for l in (input .. '\\n'):gmatch('([^\\n]*)\\n') do\n"
	"    lines[#lines + 1] = (l:gsub('\\r$', ''))\n"
	"  end\n"
	"  local c = {}\n"
	"  function c.reply(_, code, text) core.format_reply(code, text) end\n"
	"  function c.send_raw() end\n"
	"  function c.close() closed = true end\n"
	"  function c.tls_handshake() error('no TLS in the fuzzer') end\n"
	"  function c.read_command()\n"
	"    i = i + 1\n"
	"    if closed or i > #lines then return nil, 'closed' end\n"
	"    local line = lines[i]\n"
	"    local sp = line:find(' ', 1, true)\n"
	"    local verb = (sp and line:sub(1, sp - 1) or line):upper()\n"
	"    return { verb = verb, arg = sp and line:sub(sp + 1) or '', line = line }\n"
	"  end\n"
	"  function c.read_data()\n"
	"    local data = {}\n"
	"    while true do\n"
	"      i = i + 1\n"
	"      if i > #lines then error('closed') end\n"
	"      if lines[i] == '.' then return table.concat(data) end\n"
	"      data[#data + 1] = lines[i]:gsub('^%.', '') .. '\\r\\n'\n"
	"    end\n"
	"  end\n"
	"  srv:session(c)\n"
	"end\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	luafuzz_init(chunk);
	luafuzz_call((const char *)data, size);
	return 0;
}
