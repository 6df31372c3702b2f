package dev.rnn4j.bench;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * A run's rows as one PNG, drawn headless with XChart: each row's total time per call above, its GFLOP/s below,
 * the backends side by side. A row a backend did not run (skipped, failed) shows no bar for it.
 */
final class BenchChart {
    static final int WIDTH = 1200;
    static final int PANEL_HEIGHT = 520;
    /** Row names are long (train:LSTM:512:512:64:25): slanted, they stay readable under many rows. */
    private static final int LABEL_ROTATION = 40;

    private BenchChart() {
    }

    static void write(Path png, BenchReport report) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Set<String> labels = new LinkedHashSet<>();
        Set<String> backends = new LinkedHashSet<>();
        for (RowResult r : report.rows) {
            labels.add(r.label());
            backends.add(r.backend());
        }
        CategoryChart time = panel("time per call (lower is better)", "ms");
        CategoryChart rate = panel("GFLOP/s (higher is better)", "GFLOP/s");
        List<String> rows = new ArrayList<>(labels);
        for (String backend : backends) {
            List<Double> ms = new ArrayList<>();
            List<Double> gflops = new ArrayList<>();
            for (String label : rows) {
                RowResult r = find(report, backend, label);
                boolean ran = r != null && RowResult.OK.equals(r.status()) && r.totalMs() != null;
                ms.add(ran ? r.totalMs() : 0.0);
                gflops.add(ran && r.gflops() != null ? r.gflops() : 0.0);
            }
            time.addSeries(backend, rows, ms);
            rate.addSeries(backend, rows, gflops);
        }
        BufferedImage image = new BufferedImage(WIDTH, 2 * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            time.paint(g, WIDTH, PANEL_HEIGHT);
            g.translate(0, PANEL_HEIGHT);
            rate.paint(g, WIDTH, PANEL_HEIGHT);
        } finally {
            g.dispose();
        }
        writeAtomically(png, image);
    }

    private static CategoryChart panel(String title, String unit) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title)
                .yAxisTitle(unit).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisLabelRotation(LABEL_ROTATION);
        chart.getStyler().setOverlapped(false);
        return chart;
    }

    private static RowResult find(BenchReport report, String backend, String label) {
        for (RowResult r : report.rows) {
            if (r.backend().equals(backend) && r.label().equals(label)) {
                return r;
            }
        }
        return null;
    }

    private static void writeAtomically(Path png, BufferedImage image) throws IOException {
        Path dir = png.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + png.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer in this JVM");
                }
            }
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
