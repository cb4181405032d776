"""A desktop's notification server and tray host, on the tests' private session bus, so
tests can see the notifications the app raises and the tray icon it shows. They speak
the real D-Bus interfaces (org.freedesktop.Notifications, org.kde.StatusNotifierWatcher)
that GNOME's, KDE's and other desktops' shells serve."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from dbus_next import Message, Variant
from dbus_next.aio import MessageBus
from dbus_next.errors import DBusError
from dbus_next.service import PropertyAccess, ServiceInterface, dbus_property, method, signal

ITEM_INTERFACE = "org.kde.StatusNotifierItem"


class Notifications(ServiceInterface):
    """Keeps every Notify call (an update in place is a call with `replaces`), as a
    desktop's server would show it, and the ids the app closed."""

    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
        self.shown: list[dict] = []
        self.closed: list[int] = []
        self.caller = ""  # the bus name of the call being answered; set by FakeDesktop
        self._next_id = 0

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s",  # noqa: F821
               actions: "as", hints: "a{sv}", timeout: "i") -> "u":  # noqa: F821, F722
        if replaces_id == 0:
            self._next_id += 1
        notification_id = replaces_id or self._next_id
        self.shown.append({"id": notification_id, "replaces": replaces_id, "sender": self.caller,
                           "app": app_name, "summary": summary,
                           "body": body, "actions": list(actions),
                           "hints": {key: value.value for key, value in hints.items()}})
        return notification_id

    @method()
    def GetCapabilities(self) -> "as":  # noqa: F722
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: F821
        return ["xima-test-desktop", "xima", "1", "1.2"]

    @method()
    def CloseNotification(self, notification_id: "u"):  # noqa: F821
        self.closed.append(notification_id)

    @signal()
    def ActionInvoked(self, notification_id: "u", action_key: "s") -> "us":  # noqa: F821
        return [notification_id, action_key]


class TrayHost(ServiceInterface):
    """The StatusNotifierWatcher a tray registers its icon with."""

    def __init__(self):
        super().__init__("org.kde.StatusNotifierWatcher")
        self.registered: list[str] = []

    @method()
    def RegisterStatusNotifierItem(self, service: "s"):  # noqa: F821
        self.registered.append(service)

    @method()
    def RegisterStatusNotifierHost(self, service: "s"):  # noqa: F821
        pass

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":  # noqa: F722
        return self.registered

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":  # noqa: F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":  # noqa: F821
        return 0


class FakeDesktop:
    """Runs both services on a thread of its own; the tests call in synchronously."""

    def __init__(self):
        self.notifications = Notifications()
        self.tray = TrayHost()
        self._loop = asyncio.new_event_loop()
        self._bus: MessageBus | None = None
        self._items: list[tuple[str, str]] = []
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        if not ready.wait(10):
            raise RuntimeError("the fake desktop did not get onto the session bus")

    def _serve(self, ready: threading.Event):
        asyncio.set_event_loop(self._loop)

        async def start():
            self._bus = await MessageBus().connect()
            self._bus.add_message_handler(self._note_registration)
            self._bus.export("/org/freedesktop/Notifications", self.notifications)
            self._bus.export("/StatusNotifierWatcher", self.tray)
            await self._bus.request_name("org.freedesktop.Notifications")
            await self._bus.request_name("org.kde.StatusNotifierWatcher")
            ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def tray_item(self) -> dict | None:
        """The properties of the tray icon registered last (the app under test's)."""
        if not self._items:
            return None
        return self._run(self._properties(*self._items[-1]))

    def click_notification(self, notification_id: int):
        """What a click on a notification's body does: its "default" action."""
        self._loop.call_soon_threadsafe(self.notifications.ActionInvoked, notification_id, "default")

    def on_the_bus(self, name: str) -> bool:
        async def ask():
            reply = await self._bus.call(Message(
                destination="org.freedesktop.DBus", path="/org/freedesktop/DBus", interface="org.freedesktop.DBus",
                member="NameHasOwner", signature="s", body=[name]))
            return reply.body[0]
        return self._run(ask())

    def tray_host_gone(self):
        """The panel's tray goes away (a GNOME without the AppIndicator extension): the
        watcher leaves the bus."""
        self._run(self._bus.release_name("org.kde.StatusNotifierWatcher"))

    def tray_host_back(self):
        self._run(self._bus.request_name("org.kde.StatusNotifierWatcher"))

    def click_tray_menu(self, label: str):
        """Clicks an entry of the tray icon's menu, as the desktop's tray does: through
        the icon's com.canonical.dbusmenu object."""
        name, path = self._items[-1]
        item = self.tray_item() or {}
        self._run(self._click(name, item.get("Menu", "/MenuBar"), label))

    async def _click(self, name: str, menu: str, label: str):
        layout = await self._bus.call(Message(
            destination=name, path=menu, interface="com.canonical.dbusmenu", member="GetLayout",
            signature="iias", body=[0, -1, ["label"]]))
        if layout.message_type.name != "METHOD_RETURN":
            raise AssertionError(f"the tray menu has no layout: {layout.body}")
        _revision, (_root, _props, children) = layout.body
        labels = {}
        for child in children:
            entry_id, props, _ = child.value
            labels[props["label"].value.replace("_", "") if "label" in props else ""] = entry_id
        if label not in labels:
            raise AssertionError(f"no {label!r} in the tray menu: {sorted(labels)}")
        await self._bus.call(Message(
            destination=name, path=menu, interface="com.canonical.dbusmenu", member="Event",
            signature="isvu", body=[labels[label], "clicked", Variant("s", ""), 0]))

    def _note_registration(self, message: Message):
        # The service interfaces do not see who called; the raw message, handled here
        # first on the same thread, does.
        if message.member == "Notify":
            self.notifications.caller = message.sender
        if message.member == "RegisterStatusNotifierItem" and message.body:
            service = message.body[0]
            if service.startswith("/"):
                self._items.append((message.sender, service))
            else:
                name, _, path = service.partition("/")
                self._items.append((name, "/" + path if path else "/StatusNotifierItem"))

    async def _properties(self, name: str, path: str) -> dict | None:
        try:
            reply = await asyncio.wait_for(self._bus.call(_get_all(name, path)), timeout=3)
        except (DBusError, asyncio.TimeoutError):
            return None
        if reply.message_type.name != "METHOD_RETURN":
            return None
        return {key: value.value for key, value in reply.body[0].items()}

    def close(self):
        if self._bus is not None:
            self._loop.call_soon_threadsafe(self._bus.disconnect)
        self._loop.call_soon_threadsafe(self._loop.stop)


def _get_all(name: str, path: str) -> Message:
    return Message(destination=name, path=path, interface="org.freedesktop.DBus.Properties",
                   member="GetAll", signature="s", body=[ITEM_INTERFACE])


def icon_file(item: dict) -> Path:
    """Where the tray icon's picture is: tray-icon writes a PNG and names it."""
    name = item.get("IconName", "")
    if name.startswith("/"):
        return Path(name if name.endswith(".png") else name + ".png")
    return Path(item.get("IconThemePath", "")) / f"{name}.png"


class XFocus:
    """Moves the X keyboard focus between the app's window and another one, as a
    customer switching windows does (Xvfb has no window manager to do it)."""

    def __init__(self):
        from Xlib import X, display
        self._X = X
        self.display = display.Display()
        screen = self.display.screen()
        self.other = screen.root.create_window(0, 0, 50, 50, 0, screen.root_depth)
        self.other.set_wm_name("another program")
        self.other.map()
        self.display.sync()

    def _app_window(self):
        return self._window_named("Xima Chat")

    def _window_named(self, title: str):
        pending = [self.display.screen().root]
        while pending:
            window = pending.pop()
            if window.get_wm_name() == title:
                return window
            pending.extend(window.query_tree().children)
        raise AssertionError(f"no {title} window on the display")

    def has_window(self, title: str) -> bool:
        try:
            return self._window_named(title).get_attributes().map_state == self._X.IsViewable
        except AssertionError:
            return False

    def press(self, title: str, key: str):
        """Gives the window called `title` the keyboard and presses `key` (an X keysym
        name: "Return", "Escape") on it, as the customer's keyboard would (XTest)."""
        from Xlib import XK
        from Xlib.ext import xtest
        self._give(self._window_named(title))
        code = self.display.keysym_to_keycode(XK.string_to_keysym(key))
        xtest.fake_input(self.display, self._X.KeyPress, code)
        xtest.fake_input(self.display, self._X.KeyRelease, code)
        self.display.sync()

    def to_app(self):
        self._give(self._app_window())

    def close_app_window(self):
        """What a window manager's close button does: WM_DELETE_WINDOW to the window."""
        from Xlib import protocol
        window = self._app_window()
        protocols = self.display.intern_atom("WM_PROTOCOLS")
        delete = self.display.intern_atom("WM_DELETE_WINDOW")
        event = protocol.event.ClientMessage(window=window, client_type=protocols,
                                             data=(32, [delete, self._X.CurrentTime, 0, 0, 0]))
        window.send_event(event)
        self.display.sync()

    def app_window_shown(self) -> bool:
        return self._app_window().get_attributes().map_state == self._X.IsViewable

    def elsewhere(self):
        self._give(self.other)

    def _give(self, window):
        self.display.set_input_focus(window, self._X.RevertToParent, self._X.CurrentTime)
        self.display.sync()

    def close(self):
        self.other.destroy()
        self.display.close()
