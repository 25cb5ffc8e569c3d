"""The main window: generate, edit, morph, play and export. Every action goes through the Session, the
Engine (on a worker thread) or the Player; the window only shows and asks."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np
from PySide6.QtCore import QMimeData, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence, QDrag
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMainWindow,
    QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget,
)

from drummachine import limits

from drummachine.midi import note_maps
from drummachine.audio.sound_control import SoundControl
from drummachine.audio.sounding_player import SoundingPlayer
from drummachine.live.sources import LoopSource, MorphSource
from drummachine.midi.clip import ClipWriteError, write_clip
from drummachine.model.engine import Engine, Lock, new_seed
from drummachine.gui import theme
from drummachine.gui.grid import BarStrip, StepGrid
from drummachine.gui.sound_panel import SoundPanel
from drummachine.groove.morph import MorphPlan
from drummachine.midi.reader import MidiReadError, read_groove
from drummachine.groove.pattern import Pattern
from drummachine.live.player import Player, PlayerSettings
from drummachine.midi.ports import VIRTUAL_PORT, MidiOutput, PortError, list_ports, pick_api
from drummachine.studio.session import BAR_CHOICES, Session, Slot, Take

VIRTUAL_LABEL = f"{VIRTUAL_PORT} (virtual port)"


class Bridge(QObject):
    """Signals that carry results from worker and player threads onto the GUI thread."""

    done = Signal(object, object)  # callback, result
    step = Signal(int, int)
    fault = Signal(str)


class DragClip(QLabel):
    """Drag this into a DAW or a file manager: the pattern goes as a temporary .mid file."""

    def __init__(self, make_clip: Callable[[], Path]):
        super().__init__("⇲ Drag clip")
        self.setObjectName("drag")
        self.make_clip = make_clip
        self.setToolTip("Drag the pattern (or the whole morph) out as a MIDI clip")
        self._press = None

    def mousePressEvent(self, e) -> None:
        self._press = e.position()

    def mouseMoveEvent(self, e) -> None:
        if self._press is None or (e.position() - self._press).manhattanLength() < 6:
            return
        self._press = None
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(self.make_clip()))])
        drag = QDrag(self)
        drag.setMimeData(data)
        drag.exec(Qt.DropAction.CopyAction)


def _read_slot_file(path: Path) -> Union[Pattern, MidiReadError]:
    """A slot's groove from a file, read on the worker: a bad file comes back as its error, to be shown as a
    notice, not as a failed generation."""
    try:
        return read_groove(path)
    except MidiReadError as exc:
        return exc


class MainWindow(QMainWindow):
    def __init__(self, engine: Optional[Engine], session: Optional[Session] = None, config: Optional[Path] = None,
                 api: Optional[str] = "auto", engine_error: str = ""):
        super().__init__()
        self.engine = engine
        self.config = config
        self.session = session or Session()
        self.bridge = Bridge()
        self.bridge.done.connect(lambda callback, result: callback(result))
        self.bridge.step.connect(self._on_step)
        self.bridge.fault.connect(self._on_fault)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate")
        self.pending = 0
        self.last_ms: Optional[float] = None
        self.port_state = "stopped"
        self.notice = ""
        self.api = self._pick_api(api)
        self.player: Optional[Player] = None
        self.morph_live = False
        self._morph_plan: Optional[tuple] = None  # (slots key, MorphPlan)
        self._autosave = QTimer(self, singleShot=True, interval=400, timeout=self.save_session)
        self.sound = SoundControl(lambda message: self._status(message))  # the built-in kit: both outputs at first
        self.setWindowTitle("drummachine")
        self.setStyleSheet(theme.STYLE)
        self._build()
        self._shortcuts()
        self.notice = ""
        if self.api is not None:
            self.ensure_player()  # the virtual port is there for the DAW as soon as the window is
        self.refresh()
        self._status(engine_error)

    # --- construction ----------------------------------------------------------------------------------
    def _pick_api(self, api: Optional[str]) -> Optional[str]:
        if api != "auto":
            return api
        try:
            return pick_api()
        except PortError:
            return None

    def _build(self) -> None:
        s = self.session.settings
        root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.setSpacing(10)

        top = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("primary")
        self.generate_button.setToolTip("A new groove from the model (G); locked instruments keep their hits")
        self.generate_button.clicked.connect(self.generate)
        self.temperature = self._dspin(limits.TEMPERATURE, 0.05, s.temperature, "temperature: 0 is the likeliest groove")
        self.seed = QSpinBox(minimum=limits.SEED.low, maximum=limits.SEED.high, value=self.session.take.seed or 0)
        self.seed.setToolTip("the seed of the groove shown; Generate uses this seed when 'fixed seed' is on")
        self.fixed_seed = QCheckBox("fixed seed")
        self.bars = QComboBox()
        self.bars.addItems([str(b) for b in BAR_CHOICES])
        self.bars.setCurrentText(str(s.bars))
        self.bars.currentTextChanged.connect(self._bars_changed)
        self.variations_button = QPushButton("Variation")
        self.variations_button.setToolTip("a groove near this one (V)")
        self.variations_button.clicked.connect(self.variation)
        self.amount = self._dspin(limits.VARIATION_AMOUNT, 0.05, s.variation_amount, "how far a variation may wander")
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QPushButton("Redo")
        self.redo_button.clicked.connect(self.redo)
        for w in (self.generate_button, self._label("temperature"), self.temperature, self._label("seed"), self.seed,
                  self.fixed_seed, self._label("bars"), self.bars, self.variations_button, self._label("amount"),
                  self.amount):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.undo_button)
        top.addWidget(self.redo_button)
        layout.addLayout(top)

        self.strip = BarStrip()
        self.strip.bar_chosen.connect(self._show_bar)
        layout.addWidget(self.strip)
        self.grid = StepGrid()
        self.grid.cells_painted.connect(self._painted)
        self.grid.flag_toggled.connect(self._flag)
        layout.addWidget(self.grid, 1)

        morph = QGroupBox("Morph")
        m = QHBoxLayout(morph)
        self.slot_labels = {}
        for name in ("A", "B"):
            col = QVBoxLayout()
            label = QLabel(f"{name}: empty")
            label.setObjectName("slot")
            self.slot_labels[name] = label
            buttons = QHBoxLayout()
            for text, how in (("← current", "current"), ("← sample", "sample"), ("← file…", "file")):
                b = QPushButton(text)
                b.clicked.connect(lambda _=False, n=name, h=how: self.fill_slot(n, h))
                buttons.addWidget(b)
            col.addWidget(label)
            col.addLayout(buttons)
            if name == "B":
                m.addLayout(col)
            else:
                m.addLayout(col)
                middle = QVBoxLayout()
                self.morph_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100)
                self.morph_slider.setValue(round(self.session.morph_position * 100))
                self.morph_slider.valueChanged.connect(self._morph_moved)
                self.morph_label = QLabel("A", alignment=Qt.AlignmentFlag.AlignCenter)
                self.morph_label.setObjectName("dim")
                live = QHBoxLayout()
                self.morph_over = QCheckBox("morph while playing, over")
                self.morph_over.toggled.connect(self._morph_live_toggled)
                self.morph_bars = QSpinBox(minimum=limits.MORPH_BARS.low, maximum=limits.MORPH_BARS.high,
                                           value=self.session.settings.morph_bars)
                live.addStretch(1)
                live.addWidget(self.morph_over)
                live.addWidget(self.morph_bars)
                live.addWidget(self._label("bars"))
                live.addStretch(1)
                middle.addWidget(self.morph_slider)
                middle.addWidget(self.morph_label)
                middle.addLayout(live)
                m.addLayout(middle, 1)
        layout.addWidget(morph)

        transport = QHBoxLayout()
        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("play / stop (space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.bpm = self._dspin(limits.BPM, 1, s.bpm, "tempo, BPM")
        self.bpm.setDecimals(1)
        self.bpm.valueChanged.connect(self._transport_changed)
        self.swing = self._dspin(limits.SWING, 1, s.swing, "swing, % (50 straight, 66 triplet)")
        self.swing.setDecimals(0)
        self.swing.valueChanged.connect(self._transport_changed)
        self.port = QComboBox()
        self.port.setMinimumWidth(220)
        self._fill_ports()
        self.port.activated.connect(self._port_changed)
        self.channel = QSpinBox(minimum=limits.CHANNEL.low, maximum=limits.CHANNEL.high, value=s.channel)
        self.channel.valueChanged.connect(self._transport_changed)
        self.note_map = QComboBox()
        self.note_map.addItems(list(note_maps.all_maps(self.config)))
        self.note_map.setCurrentText(s.note_map)
        self.note_map.currentTextChanged.connect(self._transport_changed)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export_dialog)
        self.drag = DragClip(self.make_temp_clip)
        for w in (self.play_button, self._label("BPM"), self.bpm, self._label("swing"), self.swing,
                  self._label("port"), self.port, self._label("ch"), self.channel, self._label("map"), self.note_map):
            transport.addWidget(w)
        transport.addStretch(1)
        transport.addWidget(self.export_button)
        transport.addWidget(self.drag)
        layout.addLayout(transport)
        self.sound_panel = SoundPanel(self.sound, self.clip_patterns, self._player_settings, self._status)
        layout.addWidget(self.sound_panel)
        self.setCentralWidget(root)
        # space is play/stop everywhere, as in a DAW: buttons never take the focus (and the space) from it
        for kind in (QPushButton, QCheckBox, QSlider, QComboBox):
            for w in root.findChildren(kind):
                w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.grid.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.resize(1280, 800)

    def _label(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("dim")
        return label

    def _dspin(self, of: limits.Range, step: float, value: float, tip: str) -> QDoubleSpinBox:
        """A number box bounded by the limits table, as the command line and the session file are."""
        box = QDoubleSpinBox(minimum=of.low, maximum=of.high, singleStep=step, value=value)
        box.setToolTip(tip)
        return box

    def _shortcuts(self) -> None:
        for keys, slot in ((Qt.Key.Key_Space, self.toggle_play), (QKeySequence.StandardKey.Undo, self.undo),
                           (QKeySequence.StandardKey.Redo, self.redo), ("G", self.generate), ("V", self.variation),
                           ("Ctrl+E", self.export_dialog)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, f=slot: f())
            self.addAction(action)

    def keyPressEvent(self, event) -> None:
        """Space reaches here only when no shortcut took it (a window the system has not activated)."""
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.toggle_play()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- showing ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the session as it is now, and hand the pattern to the player (it lands at the next bar line)."""
        s = self.session
        p = s.pattern
        s.view_bar = min(s.view_bar, p.bars - 1)
        self.grid.show_bar(p.velocities[s.view_bar], self.grid.playhead)
        self.grid.set_flags(s.settings.locked, s.settings.muted, s.settings.soloed)
        self.strip.set_state(p.bars, s.view_bar, [int(n) for n in p.hits.sum(axis=(1, 2))])
        if self.bars.currentText() != str(p.bars):
            self.bars.blockSignals(True)
            self.bars.setCurrentText(str(p.bars))
            self.bars.blockSignals(False)
        if s.take.seed is not None and self.seed.value() != s.take.seed:
            self.seed.setValue(s.take.seed)
        for name, slot in (("A", s.slot_a), ("B", s.slot_b)):
            self.slot_labels[name].setText(f"{name}: " + (f"{slot.pattern.bars} bars, {int(slot.pattern.hits.sum())} hits"
                                                          if slot else "empty"))
        self.undo_button.setEnabled(bool(s.undo_stack))
        self.redo_button.setEnabled(bool(s.redo_stack))
        for w in (self.generate_button, self.variations_button):
            w.setEnabled(self.engine is not None)
        if self.player is not None and not self.morph_live:
            self.player.set_source(LoopSource(p))
            self.player.update(muted=s.audible())
        self._autosave.start()
        self._status()

    def _status(self, message: str = "") -> None:
        info = self.engine.model if self.engine else None
        parts = [f"model {info.name}: {info.config['bars']}-bar {info.config['model']} VAE "
                 f"({info.provider.replace('ExecutionProvider', '')})" if info else "no model"]
        if self.last_ms is not None:
            parts.append(f"last generation {self.last_ms:.1f} ms")
        parts.append(f"MIDI: {self.port_state}" + (f" via {self.api}" if self.api else " (no MIDI system found)"))
        if self.pending:
            parts.append("generating…")
        if message:
            self.notice = message  # shown until the next notice
        if self.notice:
            parts.append(self.notice)
        self.statusBar().showMessage("   ·   ".join(parts))

    # --- editing -----------------------------------------------------------------------------------------------
    def _painted(self, cells: list, on: bool) -> None:
        bar = self.session.view_bar
        if len(cells) == 1:
            step, cls = cells[0]
            self.session.toggle(bar, step, cls)
        else:
            self.session.paint([(bar, step, cls) for step, cls in cells], on)
        self.refresh()

    def _flag(self, flag: str, cls: int) -> None:
        st = self.session.settings
        key = {"lock": "locked", "mute": "muted", "solo": "soloed"}[flag]
        setattr(st, key, Session.flip(getattr(st, key), cls))
        self.refresh()

    def _show_bar(self, bar: int) -> None:
        self.session.view_bar = bar
        self.refresh()

    def _bars_changed(self, text: str) -> None:
        self.session.set_bars(int(text))
        self.refresh()

    def undo(self) -> None:
        if self.session.undo():
            self.refresh()

    def redo(self) -> None:
        if self.session.redo():
            self.refresh()

    # --- generation (off the GUI thread) ------------------------------------------------------------------------
    def run_in_background(self, work: Callable[[], object], then: Callable[[object], None]) -> Future:
        self.pending += 1
        self._status()

        def finish(future: Future) -> None:
            try:
                result = future.result()
            except Exception as exc:  # a model failure is shown, never a crash
                result = exc
            self.bridge.done.emit(self._finished(then), result)

        future = self.pool.submit(work)
        future.add_done_callback(finish)
        return future

    def _finished(self, then: Callable[[object], None]) -> Callable[[object], None]:
        def done(result: object) -> None:
            self.pending -= 1
            if isinstance(result, Exception):
                self._status(f"generation failed: {result}")
                return
            then(result)

        return done

    def _lock(self) -> Optional[Lock]:
        locked = self.session.settings.locked
        return Lock(self.session.pattern, frozenset(locked)) if locked else None

    def generate(self) -> Optional[Future]:
        if self.engine is None:
            return None
        bars, temperature = int(self.bars.currentText()), self.temperature.value()
        seed = self.seed.value() if self.fixed_seed.isChecked() else new_seed()
        lock, engine = self._lock(), self.engine

        def work():
            t0 = time.perf_counter()
            groove = engine.sample(bars, temperature, seed, lock)
            return groove, (time.perf_counter() - t0) * 1000

        return self.run_in_background(work, self._generated("sample"))

    def variation(self) -> Optional[Future]:
        if self.engine is None:
            return None
        pattern, amount, temperature = self.session.pattern, self.amount.value(), self.temperature.value()
        lock, engine, seed = self._lock(), self.engine, new_seed()

        def work():
            t0 = time.perf_counter()
            groove = engine.variations(pattern, amount, 1, min(temperature, 0.5), seed, lock)[0]
            return groove, (time.perf_counter() - t0) * 1000

        return self.run_in_background(work, self._generated("variation"))

    def _generated(self, label: str) -> Callable[[object], None]:
        def show(result) -> None:
            groove, ms = result
            self.last_ms = ms
            self.session.commit(Take(groove.pattern, tuple(float(x) for x in groove.z), groove.seed, label))
            self.refresh()

        return show

    # --- morph ------------------------------------------------------------------------------------------------
    def fill_slot(self, name: str, how: str, path: Optional[Path] = None) -> Optional[Future]:
        if how == "file":
            if path is None:
                chosen, _ = QFileDialog.getOpenFileName(self, f"Groove for slot {name}", "", "MIDI (*.mid *.midi)")
                if not chosen:
                    return None
                path = Path(chosen)
            return self.run_in_background(lambda: _read_slot_file(path), lambda read: self._slot_file_read(name, read))
        elif how == "sample":
            if self.engine is None:
                return None
            engine, bars, temperature = self.engine, self.session.pattern.bars, self.temperature.value()
            return self.run_in_background(lambda: engine.sample(bars, temperature, new_seed()),
                                          lambda groove: self._slot_filled(name, groove.pattern, groove.z))
        else:
            pattern, z = self.session.pattern, self.session.take.z
        return self._slot_filled(name, pattern, z)

    def _slot_file_read(self, name: str, read: Union[Pattern, MidiReadError]) -> Optional[Future]:
        if isinstance(read, MidiReadError):
            self._status(str(read))  # names the file and the reason
            return None
        return self._slot_filled(name, read, None)

    def _slot_filled(self, name: str, pattern: Pattern, z) -> Optional[Future]:
        slot = Slot(pattern, tuple(float(x) for x in z) if z is not None else None)
        setattr(self.session, "slot_a" if name == "A" else "slot_b", slot)
        if slot.z is None and self.engine is not None:
            engine = self.engine
            return self.run_in_background(lambda: engine.encode(pattern), lambda mu: self._encoded(name, pattern, mu))
        self.refresh()
        return None

    def _encoded(self, name: str, pattern: Pattern, mu) -> None:
        attr = "slot_a" if name == "A" else "slot_b"
        if getattr(self.session, attr) is not None and getattr(self.session, attr).pattern == pattern:
            setattr(self.session, attr, Slot(pattern, tuple(float(x) for x in mu)))
        self.refresh()

    def _morph_moved(self, value: int) -> Optional[Future]:
        return self.set_morph(value / 100)

    def set_morph(self, t: float) -> Optional[Future]:
        """Show the groove at t between A and B; the ends are A and B themselves."""
        s = self.session
        s.morph_position = t
        self.morph_label.setText("A" if t == 0 else "B" if t == 1 else f"{t:.0%} of the way from A to B")
        if s.slot_a is None or s.slot_b is None:
            self._status("fill slots A and B to morph")
            return None
        if t in (0.0, 1.0):
            end = s.slot_a if t == 0 else s.slot_b
            s.commit(Take(end.pattern, end.z, None, "morph end"))
            self.refresh()
            return None
        if self.engine is None:
            return None
        a, b = s.slot_a.pattern, s.slot_b.pattern

        def work():
            t0 = time.perf_counter()
            return self.morph_plan(a, b).at(t), (time.perf_counter() - t0) * 1000

        def show(result) -> None:
            pattern, ms = result
            self.last_ms = ms
            if abs(self.session.morph_position - t) < 1e-9:  # the slider has not moved on since
                s.commit(Take(pattern, None, None, "morph"))
                self.refresh()

        return self.run_in_background(work, show)

    def morph_plan(self, a: Pattern, b: Pattern) -> MorphPlan:
        """The steady morph from A to B (kept while the slots stay the same): the slider, the live morph and
        the clip all play this one plan, at the longer slot's length (at most the model's)."""
        key = (a.velocities.tobytes(), a.bars, b.velocities.tobytes(), b.bars)
        cached = self._morph_plan
        if cached is None or cached[0] != key:
            cached = (key, self.engine.plan_morph(a, b))
            self._morph_plan = cached
        return cached[1]

    def _live_morph_source(self) -> MorphSource:
        s = self.session
        plan = self.morph_plan(s.slot_a.pattern, s.slot_b.pattern)
        return MorphSource(self.engine, None, None, self.morph_bars.value(), plan.bars, plan=plan, pingpong=True)

    def _morph_live_toggled(self, on: bool) -> None:
        s = self.session
        if on and (s.slot_a is None or s.slot_b is None or not self.engine):
            self.morph_over.setChecked(False)
            self._status("fill slots A and B first")
            return
        self.morph_live = on
        s.settings.morph_bars = self.morph_bars.value()
        if self.player is None:
            return
        if on:
            self.player.set_source(self._live_morph_source())
        else:
            self.refresh()

    # --- transport --------------------------------------------------------------------------------------------
    def _player_settings(self) -> PlayerSettings:
        try:
            nm = note_maps.resolve(self.note_map.currentText(), self.config)
        except ValueError:
            nm = note_maps.PRESETS["General MIDI"]
        return PlayerSettings(bpm=self.bpm.value(), swing=self.swing.value(), channel=self.channel.value() - 1,
                              note_map=nm, muted=self.session.audible())

    def _open_output(self) -> MidiOutput:
        if self.api is None:
            raise PortError("no MIDI system found (ALSA, JACK, CoreMIDI or Windows MM)")
        chosen = self.port.currentText()
        return MidiOutput(self.api, None if chosen in ("", VIRTUAL_LABEL) else chosen)

    def ensure_player(self) -> Player:
        if self.player is None:
            self.player = SoundingPlayer(self._open_output, LoopSource(self.session.pattern), self._player_settings(),
                                         on_fault=lambda f: self.bridge.fault.emit(f.message),
                                         on_step=lambda bar, step: self.bridge.step.emit(bar, step))
            self.sound.attach(self.player)
            self.port_state = f"{self.player.output_name}" if self.player.output_ok else "unavailable"
        return self.player

    def toggle_play(self) -> None:
        player = self.ensure_player()
        if player.playing:
            player.stop()
            self.play_button.setChecked(False)
            self.play_button.setText("▶ Play")
            self.grid.set_playhead(-1)
            self.strip.set_playing(-1)
        else:
            player.set_source(LoopSource(self.session.pattern))
            self.sound.apply(opening=True)  # the sound device opens at the first Play
            player.start()
            if self.morph_live:
                self._morph_live_toggled(True)
            self.play_button.setChecked(True)
            self.play_button.setText("■ Stop")
        self._status()

    def _on_step(self, bar: int, step: int) -> None:
        if self.player is None or not self.player.playing:
            return
        shown = bar % self.session.pattern.bars
        self.strip.set_playing(shown)
        self.grid.set_playhead(step if shown == self.session.view_bar else -1)

    def _on_fault(self, message: str) -> None:
        if self.player is not None:
            self.port_state = self.player.output_name if self.player.output_ok else "lost, reconnecting"
        self._status(message)

    def _transport_changed(self, *_) -> None:
        st = self.session.settings
        st.bpm, st.swing, st.channel = self.bpm.value(), self.swing.value(), self.channel.value()
        st.note_map = self.note_map.currentText()
        if self.player is not None:
            ps = self._player_settings()
            self.player.update(bpm=ps.bpm, swing=ps.swing, channel=ps.channel, note_map=ps.note_map)
        self._autosave.start()

    def _fill_ports(self) -> None:
        self.port.clear()
        self.port.addItem(VIRTUAL_LABEL)
        if self.api:
            try:
                self.port.addItems([p for p in list_ports(self.api, "in") if not p.endswith(":" + VIRTUAL_PORT)])
            except PortError:
                pass
        if self.session.settings.port:
            self.port.setCurrentText(self.session.settings.port)

    def _port_changed(self, _index: int) -> None:
        choice = self.port.currentText()
        self.session.settings.port = "" if choice == VIRTUAL_LABEL else choice
        if self.player is not None:
            playing = self.player.playing
            self.player.close()
            self.player = None
            if playing:
                self.toggle_play()
        self._autosave.start()

    # --- clips ------------------------------------------------------------------------------------------------
    def clip_patterns(self) -> list[Pattern]:
        """What a clip holds: the pattern, or with the live morph on, the whole morph from A to B."""
        s = self.session
        if self.morph_live and self.engine and s.slot_a and s.slot_b:
            source = self._live_morph_source()  # one pass from A to B, a bar per position, as it plays
            return [Pattern.concat(source.bar(i) for i in range(source.over_bars))]
        return [s.pattern]

    def export(self, path: Path) -> bool:
        try:
            write_clip(self.clip_patterns(), path, bpm=self.bpm.value(), track_name="drummachine")
        except ClipWriteError as exc:
            self._status(str(exc))
            return False
        self._status(f"exported {path}")
        return True

    def export_dialog(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export MIDI clip", "groove.mid", "MIDI (*.mid)")
        if chosen:
            self.export(Path(chosen))

    def make_temp_clip(self) -> Path:
        folder = Path(tempfile.gettempdir()) / "drummachine-clips"
        folder.mkdir(exist_ok=True)
        path = folder / f"groove-{self.session.take.seed or 'edit'}-{int(time.time())}.mid"
        write_clip(self.clip_patterns(), path, bpm=self.bpm.value(), track_name="drummachine")
        return path

    # --- lifetime ---------------------------------------------------------------------------------------------
    def save_session(self) -> None:
        try:
            self.session.save(self.config)
        except OSError as exc:
            self._status(f"could not save the session: {exc}")

    def closeEvent(self, event) -> None:
        self.save_session()
        if self.player is not None:
            self.player.close()
        self.pool.shutdown(wait=False, cancel_futures=True)
        super().closeEvent(event)
