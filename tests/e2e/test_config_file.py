"""The settings files: one the app cannot read (the window says so, in place of a silent
exit), and the computer's own, whose locked keys nothing the user does changes."""


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


def test_what_the_computers_file_locks_is_shown_read_only_with_who_set_it_and_stays_as_set(open_app, sim,
                                                                                            computers_settings):
    driver_url, machine = computers_settings
    machine.write_text(f'base-url = "{sim.url}"\nskills = ["IT help desk"]\nlocked = ["base-url", "skills"]\n')
    # The test's own flags say --skills Support: the computer's lock wins over a flag.
    window = open_app(driver_url=driver_url)
    window.wait("the form", lambda: window.visible("#view-form"))
    assert window.find("#skill").get_property("value") == "IT help desk"

    window.find("#open-settings").click()
    window.wait("the settings view", lambda: window.visible("#view-settings"))
    assert window.find("#skills").get_property("readOnly") and window.find("#base-url").get_property("readOnly")
    assert not window.find("#default-name").get_property("readOnly"), "what is not locked stays the user's"
    assert "IT department" in window.text("#locked-note") and str(machine) in window.text("#locked-note")
    locked = window.driver.execute_script("return [...document.querySelectorAll('label.locked')].map((l) => l.htmlFor)")
    assert locked == ["skills", "base-url"], locked
    assert window.find("#skills").get_attribute("aria-describedby") == "locked-note"

    window.find("#default-name").send_keys("Ann Lee")
    window.find("#save-settings").click()
    window.wait("saved", lambda: "Ann Lee" in window.config.read_text())
    saved = window.config.read_text()
    assert "IT help desk" not in saved and "base-url" not in saved, "the computer's values stay the computer's"

    refused = window.invoke("save_settings", {"form": {"installationId": window.setup.id, "skills": ["Sales"],
                                                       "baseUrl": sim.url, "name": "", "email": ""}})
    assert refused["error"]["code"] == "setting_locked", refused
    assert "Sales" not in window.config.read_text()
