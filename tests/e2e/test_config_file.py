"""A config file the app cannot read: the window says so, in place of a silent exit."""


def test_a_broken_config_file_opens_the_window_on_settings_saying_what_is_wrong(open_app):
    window = open_app(config_text="installation-id = \"lobby\"\nskills = [\"Support\"\n")
    window.wait("the settings view", lambda: window.visible("#view-settings"))
    problems = window.text("#settings-problems")
    assert "config.toml is not valid" in problems, problems
    assert "Correct the file" in problems, problems
    assert not window.visible("#close-settings"), "no way on to a chat from here"
    refused = window.invoke("start_chat", {"form": {"name": "Ann", "email": "ann@example.com"}})
    assert refused["error"]["code"] == "config", refused
    assert window.config.read_text().endswith("[\"Support\"\n"), "the file is left as it was"
