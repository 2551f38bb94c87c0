"""The console's screens: picker, live dashboard, approval, detail, history, too-small."""
