from qsi_desktop.cli import main

raise SystemExit(main())
