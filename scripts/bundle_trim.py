"""What build.spec leaves out of the bundle, by the destination path of each collected file,
with the Linux, macOS and Windows names of each part (PyInstaller builds on each platform
for itself, and the same spec must trim each).

Qt's own translations go (Panti translates Qt's few strings itself; Qt has no Indonesian),
and so do the Qt modules and plugins the app never loads: network, TLS, QML/Quick, PDF, SVG,
the Wayland, EGLFS, framebuffer, VNC and Direct2D platforms, input contexts, icon engines,
GTK themes, and on Windows the software OpenGL renderer (opengl32sw.dll, 20 MB) and the
Direct3D shader compiler, which only Qt Quick uses. The native platform (`xcb`, `cocoa`,
`qwindows.dll`) and `offscreen` (the self-test) stay.
"""

from __future__ import annotations

UNUSED_FOLDERS = (
    "/plugins/tls/", "/plugins/networkinformation/", "/plugins/generic/", "/plugins/egldeviceintegrations/",
    "/plugins/wayland-", "/plugins/platforminputcontexts/", "/plugins/iconengines/", "/plugins/qmltooling/",
)
UNUSED_PLUGINS = (  # the start of a plugin's file name in its folder, every platform's spelling
    "platformthemes/libqgtk3", "platforms/libqwayland", "platforms/libqeglfs", "platforms/libqlinuxfb",
    "platforms/libqvnc", "platforms/libqvkkhrdisplay", "platforms/libqminimalegl",
    "platforms/qdirect2d", "platforms/qminimal", "platforms/libqminimal.",
    "imageformats/libqpdf", "imageformats/qpdf", "imageformats/libqsvg", "imageformats/qsvg",
)
UNUSED_LIBRARIES = (  # file names: libQt6X.so.6 (Linux), Qt6X.dll (Windows), QtX (macOS frameworks)
    "libQt6WaylandClient", "libQt6WaylandEgl", "libQt6EglFs", "libQt6Network", "libQt6Svg", "libQt6Pdf",
    "libQt6Qml", "libQt6Quick", "libQt6VirtualKeyboard", "libavif",
    "Qt6Network", "Qt6Svg", "Qt6Pdf", "Qt6Qml", "Qt6Quick", "Qt6VirtualKeyboard", "opengl32sw", "d3dcompiler_",
    "avif",
)


def keep(dest: str) -> bool:
    """Whether the collected file at `dest` (a path inside the bundle, either separator) is kept."""
    d = dest.replace("\\", "/")
    if "/Qt/translations/" in d or "/translations/qt" in d.lower() or (d.endswith(".qm") and "PySide6" in d):
        return False
    if any(folder in d for folder in UNUSED_FOLDERS):
        return False
    if any("/plugins/" + plugin in d for plugin in UNUSED_PLUGINS):
        return False
    name = d.rsplit("/", 1)[-1]
    return not name.startswith(UNUSED_LIBRARIES)
