from vlmtok.cli import main

raise SystemExit(main())
