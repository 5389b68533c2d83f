-- harness.lua - runs tests/lua/test_*.lua inside infraexec's own Lua (the
-- sandbox handlers get), as the rule of a throwaway handler: each criterion
-- "Run test_x.lua" loads that file and calls it with a TAP reporter.
-- Results go to stderr as "infraexec: lua: ok - ..." lines, which
-- tests/cli/72-wording.sh turns into its TAP output.  Called with DIR, a
-- copy of tests/lua under the workspace's handlers (loadfile reads only the
-- handler and Lua search path), and ROOT, the checkout.
local dir, root = ...

local function run_file(_, file)
  local chunk, err = loadfile(dir .. "/" .. file, "t")
  if not chunk then error(err, 0) end
  local failed, n = 0, 0
  local t = {}
  function t.ok(cond, desc, diag)
    n = n + 1
    print((cond and "ok - " or "not ok - ") .. desc)
    if not cond then
      failed = failed + 1
      if diag then print("# " .. diag) end
    end
  end
  function t.is(got, want, desc)
    t.ok(got == want, desc, ("got %s, expected %s"):format(tostring(got), tostring(want)))
  end
  function t.like(got, want, desc)
    t.ok(type(got) == "string" and got:find(want, 1, true) ~= nil, desc,
      ("%s does not contain %s"):format(tostring(got), want))
  end
  chunk(t, root)
  local seen = ("%d of %d failed"):format(failed, n)
  return failed == 0 and n > 0, seen,
    { ok = failed == 0 and n > 0, looked_at = "tests/lua/" .. file, expected = "every check passes", seen = seen }
end

return { rules = { { pattern = "^Run (test_[%w_]+%.lua)$", kind = "assertion", observe = "file.contains", run = run_file } } }
