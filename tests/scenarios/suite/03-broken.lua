-- Does not compile: reported as an error, and the suite goes on.
local s = smtp.connect(
