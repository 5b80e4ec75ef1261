from patrol_app.cli import main

raise SystemExit(main())
