"""Start the filmchat web chat: `python app.py` (same as `filmchat serve`; settings from FILMCHAT_* variables)."""

from filmchat.ui import main

if __name__ == "__main__":
    main()
