-- A file without test(): the file is the case.
local s = smtp.connect()
s:greeting()
s:ehlo("suite.example.test")
s:quit()
